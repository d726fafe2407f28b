import Foundation
import HardData
import HardEngine
import HardModels
import HardTrain

// `hard mcu fit`: HARD-Edge sized to a latency budget and a board's memory ("hardware-aware"
// as a user needs it). Candidates are HARD-Edge with its widths scaled, its last encoder
// stage one or two blocks deep and one to three SA blocks. Each is quantized with seeded
// weights and a quick calibration, built into the firmware and run under qemu; the cycle
// model (`CycleModel`) prices it: untrained weights cost what trained ones do (the kernels'
// work depends on the shapes; only the requantization clamps and the argmax vary with values,
// a fraction of a percent). The largest candidates (by MACs) within the budget are then
// trained on the config's data and quantized again with their trained weights; the one with
// the best int8 mIoU is written as a training config (`chosen.yaml`, with `architecture`).

/// One candidate of the search and what was measured of it.
public struct McuFitCandidate: Encodable {
    public var name: String
    public var widthMultiplier: Double
    public var stageBlocks: Int
    public var saBlocks: Int
    public var architecture: LiteConfig
    public var params: Int
    public var macs: Int
    public var flashBytes: Int?
    public var sramBytes: Int?
    public var instructions: Int?
    public var estimatedCyclesM7Model: Double?
    public var estimatedMs: Double?
    /// Why it misses the budget or the board (empty: it fits).
    public var misses: [String]
    /// On the (estimated ms, MACs) front of the untrained search, or the (ms, int8 mIoU) front
    /// once trained.
    public var pareto = false
    public var trained = false
    public var checkpoint: String?
    public var floatMiou: Double?
    public var int8Miou: Double?
    public var bitExact: Bool?

    public var fits: Bool { misses.isEmpty }
}

public struct McuFitReport: Encodable {
    public var budgetMs: Double
    public var mhz: Double
    public var flashLimitBytes: Int
    public var sramLimitBytes: Int
    public var height: Int
    public var width: Int
    public var candidates: [McuFitCandidate]
    public var chosen: String?
    public var chosenConfig: String?
    public var method: String
}

public enum McuFit {
    public struct Settings {
        public var budgetMs: Double
        public var mhz: Double
        public var flashBytes: Int
        public var sramBytes: Int
        public var height: Int
        public var width: Int
        /// The training config: its data trains and evaluates the candidates; nil:
        /// configs/synthstreets-edge.yaml's recipe on SynthStreets at the input size.
        public var config: String?
        public var widths: [Double]
        public var stageBlocks: [Int]
        public var saBlocks: [Int]
        /// How many of the largest fitting candidates to train (0: rank only).
        public var train: Int
        /// Training iterations per candidate (nil: the config's).
        public var iterations: Int?
        public var output: String
        public var firmware: String

        public init(budgetMs: Double, mhz: Double, flashBytes: Int, sramBytes: Int, height: Int, width: Int, config: String?,
                    widths: [Double], stageBlocks: [Int], saBlocks: [Int], train: Int, iterations: Int?, output: String,
                    firmware: String) {
            self.budgetMs = budgetMs; self.mhz = mhz; self.flashBytes = flashBytes; self.sramBytes = sramBytes
            self.height = height; self.width = width; self.config = config; self.widths = widths
            self.stageBlocks = stageBlocks; self.saBlocks = saBlocks; self.train = train; self.iterations = iterations
            self.output = output; self.firmware = firmware
        }
    }

    /// SA blocks kept for a depth of 1, 2 or 3: the rates still cover the 8x8 map (a single
    /// block takes the middle one, two take the first and the last).
    static func saDilations(_ blocks: Int) -> [[Int]] {
        let d = Zoo.edgeDilations
        switch blocks {
        case 1: return [d[1]]
        case 2: return [d[0], d[2]]
        default: return d
        }
    }

    /// HARD-Edge with every width times `w` (rounded to a multiple of 4, at least 8, so the
    /// depthwise kernels' four-channel path covers every channel), its last stage `blocks`
    /// deep and `sa` SA blocks.
    public static func architecture(width w: Double, stageBlocks blocks: Int, saBlocks sa: Int) -> LiteConfig {
        var a = Zoo.lite(.edge)
        func scaled(_ c: Int) -> Int { max(8, Int((Double(c) * w / 4).rounded()) * 4) }
        a.stem = scaled(a.stem)
        for i in a.stages.indices { a.stages[i].channels = scaled(a.stages[i].channels) }
        a.stages[a.stages.count - 1].blocks = blocks
        a.saDilations = saDilations(sa)
        return a
    }

    public static func name(width w: Double, stageBlocks b: Int, saBlocks sa: Int) -> String {
        String(format: "w%.2f-b%d-sa%d", w, b, sa)
    }

    /// The training config the candidates train with. Without --config: the recipe of
    /// configs/synthstreets-edge.yaml at the input size (written out so the command runs from
    /// any folder; `FitTests` checks the two agree).
    static func trainingConfig(_ s: Settings) throws -> TrainConfig {
        var c: TrainConfig
        if let path = s.config {
            c = try TrainConfig.load(path)
        } else {
            c = TrainConfig()
            c.dataset.kind = "synthstreets"
            c.dataset.synthWidth = s.width; c.dataset.synthHeight = s.height
            c.dataset.synthTrainImages = 2000; c.dataset.synthValImages = 100
            c.iterations = 2000; c.batchSize = 16
            c.cropHeight = s.height; c.cropWidth = s.width
            c.scaleMin = 0.75; c.scaleMax = 1.5
            c.valInterval = 500; c.checkpointInterval = 250
        }
        c.model = Variant.edge.rawValue
        if let n = s.iterations { c.iterations = n; c.warmup = nil }
        c.valInterval = min(c.valInterval, c.iterations)
        c.checkpointInterval = min(c.checkpointInterval, c.iterations)
        c.tensorboard = false
        return c
    }

    public static func run(_ s: Settings, log: (String) -> Void) throws -> McuFitReport {
        let base = try trainingConfig(s)
        try Folder.create(s.output)
        let classes = 11
        var candidates: [McuFitCandidate] = []
        // Ranking: seeded weights, a quick calibration, one firmware run and its trace each.
        for w in s.widths { for b in s.stageBlocks { for sa in s.saBlocks {
            let arch = architecture(width: w, stageBlocks: b, saBlocks: sa)
            let name = name(width: w, stageBlocks: b, saBlocks: sa)
            let net = Zoo.make(.edge, classes: classes, seed: 0, architecture: arch)
            let macs = try Graph.trace(net, height: s.height, width: s.width).macs
            var c = McuFitCandidate(name: name, widthMultiplier: w, stageBlocks: b, saBlocks: sa, architecture: arch,
                                    params: net.inferenceParameterCount, macs: macs, misses: [])
            do {
                let r = try measure(s, net: net, checkpoint: nil, config: s.config, directory: "\(s.output)/\(name)",
                                    calibrationImages: 4, evaluationImages: 1)
                c.flashBytes = r.flashBytes; c.sramBytes = r.sramBytes; c.instructions = r.instructions
                c.estimatedCyclesM7Model = r.estimatedCyclesM7Model
                c.estimatedMs = r.estimatedCyclesM7Model.map { $0 / (s.mhz * 1e3) }
                c.bitExact = r.bitExact
                c.misses = misses(c, s)
            } catch let e as FirmwareError {
                // The linker script holds the STM32F746NG's limits (an oversize model does not
                // link) and the firmware refuses an arena its heap cannot hold: a miss, not the
                // end of the search.
                c.misses = [String(e.description.split(separator: "\n").first ?? "firmware failed")]
            }
            log(line(c))
            candidates.append(c)
        } } }
        markPareto(&candidates, trained: false)

        // Training: the largest candidates within the budget.
        let order = candidates.indices.filter { candidates[$0].fits }.sorted { candidates[$0].macs > candidates[$1].macs }
        for i in order.prefix(s.train) {
            var cfg = base
            cfg.architecture = candidates[i].architecture
            cfg.output = "\(s.output)/\(candidates[i].name)/train"
            log("training \(candidates[i].name) for \(cfg.iterations) iterations -> \(cfg.output)")
            try cfg.validate()
            let side = max(cfg.cropHeight, cfg.cropWidth)
            let trainSet = try DatasetFactory.make(cfg.dataset, split: cfg.dataset.trainSplit, classificationSide: side)
            let valSet = try DatasetFactory.make(cfg.dataset, split: cfg.dataset.valSplit, classificationSide: side)
            let trainer = try Trainer(config: cfg, trainSet: trainSet, valSet: valSet, resume: false)
            try trainer.run()
            let ck = trainer.bestPath
            let r = try measure(s, net: nil, checkpoint: ck, config: s.config, directory: "\(s.output)/\(candidates[i].name)/trained",
                                calibrationImages: 32, evaluationImages: 50)
            candidates[i].trained = true
            candidates[i].checkpoint = ck
            candidates[i].floatMiou = r.floatMiou
            candidates[i].int8Miou = r.int8Miou
            candidates[i].bitExact = r.bitExact
            candidates[i].instructions = r.instructions
            candidates[i].estimatedCyclesM7Model = r.estimatedCyclesM7Model
            candidates[i].estimatedMs = r.estimatedCyclesM7Model.map { $0 / (s.mhz * 1e3) }
            candidates[i].flashBytes = r.flashBytes; candidates[i].sramBytes = r.sramBytes
            candidates[i].misses = misses(candidates[i], s)
            log(line(candidates[i]))
        }
        if s.train > 0 { markPareto(&candidates, trained: true) }

        // The choice: the best int8 mIoU among the trained ones that fit; untrained, the largest.
        let fitting = candidates.filter(\.fits)
        let chosen = fitting.filter(\.trained).max { ($0.int8Miou ?? 0) < ($1.int8Miou ?? 0) } ?? fitting.max { $0.macs < $1.macs }
        var chosenPath: String?
        if let chosen {
            var cfg = base
            cfg.architecture = chosen.architecture
            cfg.output = "runs/edge-fit-\(chosen.name)"
            // JSON is YAML: `hard train --config` reads it as it is.
            let enc = JSONEncoder()
            enc.outputFormatting = [.prettyPrinted, .sortedKeys]
            let text = "# HARD-Edge sized by `hard mcu fit` to \(s.budgetMs) ms at \(s.mhz) MHz (\(chosen.name)).\n"
                + String(decoding: try enc.encode(cfg), as: UTF8.self) + "\n"
            chosenPath = "\(s.output)/chosen.yaml"
            try AtomicFile.write(Data(text.utf8), to: chosenPath!)
        }
        let report = McuFitReport(
            budgetMs: s.budgetMs, mhz: s.mhz, flashLimitBytes: s.flashBytes, sramLimitBytes: s.sramBytes, height: s.height,
            width: s.width, candidates: candidates, chosen: chosen?.name, chosenConfig: chosenPath,
            method: "each candidate quantized (seeded weights, 4 calibration images) and run in the firmware under qemu; milliseconds from the Cortex-M7 cycle model at the given clock; the largest fitting candidates trained, quantized again and measured with their trained weights")
        try AtomicFile.write(try McuPipeline.reportJSON(report), to: "\(s.output)/fit.json")
        try AtomicFile.write(Data(table(report).utf8), to: "\(s.output)/fit.md")
        return report
    }

    /// Quantizes, builds and runs one model in the firmware, with the cycle model.
    static func measure(_ s: Settings, net: HARDNetwork?, checkpoint: String?, config: String?, directory: String,
                        calibrationImages: Int, evaluationImages: Int) throws -> McuReport {
        let settings = McuPipeline.Settings(
            model: net == nil ? nil : Variant.edge.rawValue, checkpoint: checkpoint, classes: nil, height: s.height,
            width: s.width, config: config, calibrationImages: calibrationImages, method: .minMax,
            evaluationImages: evaluationImages, outputDirectory: directory, firmware: s.firmware, cpi: 1)
        var (report, elf) = try McuPipeline.build(settings, model: net, log: { _ in })
        try report.record(try MicroFirmware.run(elf: elf), cpi: 1)
        let cycles = CycleModel()
        try report.record(cycles: try cycles.run(elf: elf).estimates, mispredictPenalty: cycles.mispredictPenalty, macs: report.macs)
        _ = try McuPipeline.write(report, to: directory, json: true)
        return report
    }

    static func misses(_ c: McuFitCandidate, _ s: Settings) -> [String] {
        var m: [String] = []
        if let ms = c.estimatedMs, ms > s.budgetMs { m.append(String(format: "%.1f ms > %.1f ms", ms, s.budgetMs)) }
        if let f = c.flashBytes, f > s.flashBytes { m.append("flash \(f) > \(s.flashBytes) bytes") }
        if let r = c.sramBytes, r > s.sramBytes { m.append("SRAM \(r) > \(s.sramBytes) bytes") }
        if c.bitExact == false { m.append("firmware not bit-exact with the host") }
        return m
    }

    /// Marks the candidates no other one beats on both axes: lower estimated ms and more MACs
    /// (untrained), or lower ms and higher int8 mIoU (trained ones only).
    static func markPareto(_ cs: inout [McuFitCandidate], trained: Bool) {
        func score(_ c: McuFitCandidate) -> Double? { trained ? (c.trained ? c.int8Miou : nil) : Double(c.macs) }
        for i in cs.indices {
            guard let ms = cs[i].estimatedMs, let v = score(cs[i]) else { cs[i].pareto = false; continue }
            cs[i].pareto = !cs.indices.contains { j in
                guard j != i, let mj = cs[j].estimatedMs, let vj = score(cs[j]) else { return false }
                return mj <= ms && vj >= v && (mj < ms || vj > v)
            }
        }
    }

    static func line(_ c: McuFitCandidate) -> String {
        let ms = c.estimatedMs.map { String(format: "%.1f ms", $0) } ?? "-"
        let miou = c.int8Miou.map { String(format: ", int8 mIoU %.2f", $0) } ?? ""
        return "\(c.name): \(c.params) params, \(c.macs) MACs, \(ms)\(miou)\(c.fits ? "" : " (misses: " + c.misses.joined(separator: "; ") + ")")"
    }

    /// The Pareto table, as Markdown.
    public static func table(_ r: McuFitReport) -> String {
        var lines = [String(format: "HARD-Edge candidates at %dx%d for %.1f ms at %.0f MHz, %d kB flash, %d kB SRAM (cycle model)",
                            r.height, r.width, r.budgetMs, r.mhz, r.flashLimitBytes / 1024, r.sramLimitBytes / 1024), "",
                     "| candidate | params | MACs | flash kB | SRAM kB | instructions | est. ms | float mIoU | int8 mIoU | fits | Pareto |",
                     "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |"]
        func f(_ v: Double?, _ format: String) -> String { v.map { String(format: format, $0) } ?? "-" }
        for c in r.candidates.sorted(by: { ($0.estimatedMs ?? .infinity) < ($1.estimatedMs ?? .infinity) }) {
            lines.append("| \(c.name)\(c.name == r.chosen ? " (chosen)" : "") | \(c.params) | \(c.macs) | "
                + "\(f(c.flashBytes.map { Double($0) / 1024 }, "%.0f")) | \(f(c.sramBytes.map { Double($0) / 1024 }, "%.0f")) | "
                + "\(c.instructions.map(String.init) ?? "-") | \(f(c.estimatedMs, "%.1f")) | \(f(c.floatMiou, "%.2f")) | "
                + "\(f(c.int8Miou, "%.2f")) | \(c.fits ? "yes" : "no: " + c.misses.joined(separator: "; ")) | \(c.pareto ? "yes" : "") |")
        }
        if let p = r.chosenConfig { lines += ["", "Chosen: \(r.chosen ?? "-"), training config \(p)"] }
        return lines.joined(separator: "\n") + "\n"
    }
}
