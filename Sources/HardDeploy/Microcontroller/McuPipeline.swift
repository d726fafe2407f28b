import Foundation
import HardEngine
import HardMicro
import HardModels
import HardTrain

// The `hard mcu build|run` pipeline: quantize, write the blob and the test input, build the
// firmware, run it under qemu, and the report. The CLI parses its flags and calls this.

/// The report of `hard mcu build|run` (JSON keys in snake_case).
public struct McuReport: Encodable {
    public var model: String
    public var height: Int
    public var width: Int
    public var classes: Int
    /// Multiply-accumulates of one inference at height x width, and parameters (`hard models`).
    public var macs: Int
    public var params: Int
    public var checkpoint: String?
    public var trained: Bool
    public var calibration: String
    public var calibrationImages: Int
    public var evaluationImages: Int
    public var floatMiou: Double
    public var int8Miou: Double
    public var int8AgreementWithFloat: Double
    public var int8AgreementWithFakeQuant: Double
    public var maxLogitStepsFromFakeQuant: Double
    public var blobBytes: Int
    public var blob: String
    public var elf: String
    public var flashBytes: Int
    /// The test image compiled into the firmware for the bit-exactness check (part of
    /// flash_bytes; a deployment reads its frames from a camera buffer instead).
    public var testInputBytes: Int
    // Filled by `run`:
    public var sramBytes: Int?
    public var arenaBytes: Int?
    public var scratchBytes: Int?
    public var otherHeapBytes: Int?
    public var staticBytes: Int?
    public var stackBytes: Int?
    public var instructions: Int?
    /// The plain figure: instructions x an assumed CPI (--cpi, default 1) at 216 MHz.
    public var cpiAssumed: Double?
    public var estimatedMsAtCpi_216mhz: Double?   // JSON: estimated_ms_at_cpi_216mhz
    /// The cycle model's (CycleModel: qemu's trace costed by llvm-mca's Cortex-M7 model, plus
    /// mispredicted branches), and the latency it gives at 216 MHz.
    public var estimatedCyclesM7Model: Double?    // JSON: estimated_cycles_m7_model
    public var estimatedMs_216mhz: Double?        // JSON: estimated_ms_216mhz
    public var cycleModel: McuCycleModelReport?
    public var bitExact: Bool?
    public var classmapFnv1a: String
    public var firmwareClassmapFnv1a: String?
    /// Instructions per op (a second, op-by-op run on the firmware).
    public var profile: [McuOpProfile]?
}

public struct McuOpProfile: Encodable {
    public var op: Int
    public var kind: String
    public var output: String
    public var instructions: Int
    /// The cycle model's cycles for this op run alone.
    public var estimatedCycles: Double?
}

/// How the cycle model's figure for one inference is made up.
public struct McuCycleModelReport: Encodable {
    /// Instructions in qemu's trace of the inference (equals `instructions` up to the timer's
    /// own few).
    public var tracedInstructions: Int
    public var pipelineCycles: Double
    public var mispredicts: Int
    public var mispredictPenalty: Double
    public var cyclesPerInstruction: Double
    public var cyclesPerMac: Double?
    /// Instructions in blocks llvm-mca could not model (costed at one cycle each).
    public var unmodelledInstructions: Int
    public var method: String
}

public enum McuPipeline {
    /// The JSON of every `hard mcu` report: snake_case keys, pretty-printed, keys sorted.
    public static func reportJSON<T: Encodable>(_ value: T) throws -> Data {
        let enc = JSONEncoder()
        enc.keyEncodingStrategy = .convertToSnakeCase
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try enc.encode(value)
    }

    /// What to quantize, with which data, and where the build goes (`hard mcu build|run`).
    public struct Settings {
        public var model: String?
        public var checkpoint: String?
        public var classes: Int?
        public var height: Int
        public var width: Int
        public var config: String?
        public var calibrationImages: Int
        public var method: CalibrationMethod
        public var evaluationImages: Int
        public var outputDirectory: String
        public var firmware: String
        public var cpi: Double

        public init(model: String?, checkpoint: String?, classes: Int?, height: Int, width: Int, config: String?,
                    calibrationImages: Int, method: CalibrationMethod, evaluationImages: Int, outputDirectory: String,
                    firmware: String, cpi: Double) {
            self.model = model; self.checkpoint = checkpoint; self.classes = classes
            self.height = height; self.width = width; self.config = config
            self.calibrationImages = calibrationImages; self.method = method; self.evaluationImages = evaluationImages
            self.outputDirectory = outputDirectory; self.firmware = firmware; self.cpi = cpi
        }
    }

    /// The model the settings name, quantized (calibration on the train split, float vs int8
    /// on the val split, as `hard mcu build|run|package` do).
    /// `model`: a network to take instead of the one the settings name (`hard mcu fit`'s
    /// untrained candidates).
    public static func quantize(_ o: Settings, model: HARDNetwork? = nil, log: (String) -> Void) throws
        -> (HARDNetwork, MicroQuantizationOptions, MicroQuantizationResult) {
        let net: HARDNetwork
        if let model {
            net = model
        } else {
            net = try ModelChoice.make(model: o.model, classes: o.classes, checkpoint: o.checkpoint, defaultModel: "hard-edge",
                                       defaultClasses: 11)
            if o.checkpoint == nil { log("warning: no --checkpoint: quantizing untrained (seeded) weights") }
        }
        var options = MicroQuantizationOptions(height: o.height, width: o.width,
                                               dataset: try o.config.map { try TrainConfig.load($0).dataset })
        options.calibrationImages = o.calibrationImages
        options.evaluationImages = o.evaluationImages
        options.method = o.method
        let q = try MicroQuantization.run(net, options: options, log: log)
        log(String(format: "int8 vs float on %d images: mIoU %.2f vs %.2f, pixel agreement %.4f", q.evaluatedImages,
                   q.int8MIoU, q.floatMIoU, q.agreementWithFloat))
        return (net, options, q)
    }

    /// Quantizes, writes the blob and the test input into the output folder, builds the
    /// firmware around them; returns the report so far and the ELF's path.
    public static func build(_ o: Settings, model: HARDNetwork? = nil, log: (String) -> Void) throws -> (McuReport, String) {
        let dir = o.outputDirectory
        let blobPath = dir + "/model.hrdq", inputPath = dir + "/input.rgb", reportPath = dir + "/report.json"
        // Nothing the build writes may be one of its inputs, nor land in the firmware sources.
        var inputs = [OutputGuard.Input(o.firmware, "the --firmware source folder")]
        if let c = o.checkpoint {
            inputs += [OutputGuard.Input(c, "the --checkpoint"), OutputGuard.Input(Checkpoint.infoPath(for: c), "the --checkpoint's JSON")]
        }
        if let c = o.config { inputs.append(OutputGuard.Input(c, "the --config file")) }
        try OutputGuard.check(outputs: [dir, blobPath, inputPath, reportPath, dir + "/firmware"], against: inputs)
        let (net, options, q) = try quantize(o, model: model, log: log)

        try Folder.create(dir)
        try AtomicFile.write(q.blob, to: blobPath)
        try AtomicFile.write(q.testImage.pixels, to: inputPath)
        log("wrote \(blobPath) (\(q.blob.count) bytes) and \(inputPath) (\(q.testImage.width)x\(q.testImage.height) RGB)")
        let elf = try MicroFirmware.build(firmwareDirectory: o.firmware, buildDirectory: dir + "/firmware",
                                          blob: blobPath, input: inputPath)
        let (text, data) = try MicroFirmware.sizes(elf)
        let expected = q.expectedClassMap.withUnsafeBytes { fnv1a32($0) }
        let report = McuReport(
            model: Zoo.name(of: net), height: o.height, width: o.width, classes: net.classes,
            macs: try Graph.trace(net, height: o.height, width: o.width).macs, params: net.inferenceParameterCount, checkpoint: o.checkpoint,
            trained: o.checkpoint != nil, calibration: options.method.description, calibrationImages: o.calibrationImages,
            evaluationImages: q.evaluatedImages, floatMiou: q.floatMIoU, int8Miou: q.int8MIoU,
            int8AgreementWithFloat: q.agreementWithFloat, int8AgreementWithFakeQuant: q.agreementWithFakeQuant,
            maxLogitStepsFromFakeQuant: q.maxLogitStepsFromFakeQuant, blobBytes: q.blob.count, blob: blobPath, elf: elf,
            flashBytes: text + data, testInputBytes: q.testImage.pixels.count, classmapFnv1a: String(format: "%08x", expected))
        return (report, elf)
    }

    /// Writes `report.json` into `dir` atomically; returns what the command prints: the JSON,
    /// or a few lines for people.
    public static func write(_ r: McuReport, to dir: String, json: Bool) throws -> String {
        let data = try reportJSON(r)
        try AtomicFile.write(data, to: dir + "/report.json")
        if json { return String(decoding: data, as: UTF8.self) }
        var lines = ["\(r.model) \(r.height)x\(r.width), \(r.classes) classes\(r.trained ? "" : " (untrained)")"]
        lines.append(String(format: "  mIoU float %.2f, int8 %.2f (%d images); blob %d bytes; flash %d bytes (of which test image %d)",
                            r.floatMiou, r.int8Miou, r.evaluationImages, r.blobBytes, r.flashBytes, r.testInputBytes))
        if let sram = r.sramBytes, let n = r.instructions, let ms = r.estimatedMsAtCpi_216mhz {
            lines.append("  SRAM \(sram) bytes (arena \(r.arenaBytes ?? 0), scratch \(r.scratchBytes ?? 0), other heap \(r.otherHeapBytes ?? 0), static \(r.staticBytes ?? 0), stack \(r.stackBytes ?? 0))")
            lines.append(String(format: "  %d instructions per inference: %.1f ms at 216 MHz with CPI %.2f", n, ms, r.cpiAssumed ?? 1))
            if let cycles = r.estimatedCyclesM7Model, let modelMs = r.estimatedMs_216mhz, let m = r.cycleModel {
                lines.append(String(format: "  Cortex-M7 cycle model: %.0f cycles (CPI %.2f, %d mispredicted branches), %.1f ms at 216 MHz",
                                    cycles, m.cyclesPerInstruction, m.mispredicts, modelMs))
            }
            lines.append("  bit-exact with the host int8 executor: \(r.bitExact == true ? "yes" : "NO")")
        }
        lines.append("  report: \(dir)/report.json")
        return lines.joined(separator: "\n")
    }
}

extension McuReport {
    /// Fills in what one firmware run under qemu measured: SRAM (heap + static + stack, the
    /// heap split into arena, kernel scratch and the rest), instructions, the latency at
    /// 216 MHz with `cpi` cycles per instruction, the flash image, the op profile, and whether
    /// the firmware's class map hash equals the host's. Throws when the firmware left a value
    /// out or its numbers do not add up.
    public mutating func record(_ run: FirmwareRun, cpi: Double) throws {
        func need(_ k: String) throws -> Int {
            guard let v = run.int(k) else { throw FirmwareError(step: "run", detail: "the firmware did not report \(k)") }
            return v
        }
        let heap = try need("heap_bytes"), statics = try need("static_bytes"), stack = try need("stack_bytes")
        let arena = try need("arena_bytes"), scratch = try need("scratch_bytes"), n = try need("instructions")
        guard arena + scratch <= heap else {
            throw FirmwareError(step: "run", detail: "the firmware reported arena \(arena) + scratch \(scratch) bytes above its heap of \(heap)")
        }
        arenaBytes = arena
        scratchBytes = scratch
        otherHeapBytes = heap - arena - scratch
        staticBytes = statics
        stackBytes = stack
        sramBytes = heap + statics + stack
        instructions = n
        cpiAssumed = cpi
        estimatedMsAtCpi_216mhz = Double(n) * cpi / 216e6 * 1000
        firmwareClassmapFnv1a = run.values["classmap_fnv1a"]
        bitExact = run.values["classmap_fnv1a"] == classmapFnv1a
        flashBytes = run.flashBytes
        profile = run.profile.map {
            McuOpProfile(op: $0.op, kind: OpCode(rawValue: UInt32($0.code)).map { "\($0)" } ?? "?", output: $0.output,
                         instructions: $0.instructions)
        }
    }

    /// Fills in the cycle model's estimate: `estimates[0]` is the whole inference, then one
    /// per op in the profile's order (`CycleModel.run`). `macs`: the model's multiply-
    /// accumulates per inference (for cycles per MAC). Throws when the trace does not match
    /// the run (another segment count, or instructions off by more than 1%).
    public mutating func record(cycles estimates: [CycleEstimate], mispredictPenalty: Double, macs: Int?) throws {
        guard let whole = estimates.first else { throw FirmwareError(step: "cycle model", detail: "no traced inference") }
        if let profile {
            guard estimates.count == profile.count + 1 else {
                throw FirmwareError(step: "cycle model", detail: "the trace has \(estimates.count - 1) op segments, the profile \(profile.count) ops")
            }
            for k in profile.indices { self.profile![k].estimatedCycles = estimates[k + 1].cycles }
        }
        if let n = instructions, abs(Double(whole.instructions - n)) > 0.01 * Double(n) {
            throw FirmwareError(step: "cycle model", detail: "the trace has \(whole.instructions) instructions, the firmware counted \(n)")
        }
        estimatedCyclesM7Model = whole.cycles
        estimatedMs_216mhz = whole.cycles / 216e6 * 1000
        cycleModel = McuCycleModelReport(
            tracedInstructions: whole.instructions, pipelineCycles: whole.pipelineCycles, mispredicts: whole.mispredicts,
            mispredictPenalty: mispredictPenalty, cyclesPerInstruction: whole.cycles / Double(max(whole.instructions, 1)),
            cyclesPerMac: macs.map { whole.cycles / Double(max($0, 1)) }, unmodelledInstructions: whole.unmodelledInstructions,
            method: "qemu's trace (-d in_asm,exec,nochain) costed block by block with llvm-mca's Cortex-M7 model, plus mispredicted branches of a bimodal predictor; no flash wait states, caches or bank conflicts (docs/microcontroller.md)")
    }

}

