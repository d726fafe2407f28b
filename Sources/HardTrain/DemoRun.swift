import Foundation
import HardData
import HardEngine
import HardModels
import HardNN

/// `make demo`: train HARD-XXS on SynthStreets, evaluate it, compare with the colour-only
/// baseline, write overlays, a loss curve and a report under one folder.
public enum DemoRun {
    public struct Settings: Sendable {
        public var iterations = 800
        public var output = "runs/demo"
        public var trainImages = 2000
        public var valImages = 50
        public var imageHeight = 240
        public var imageWidth = 320
        public var crop = 192
        public var batchSize = 8
        public init() {}
    }

    public struct Outcome: Sendable {
        public let result: EvaluationResult
        public let baseline: EvaluationResult
        public let reportPath: String
        public let seconds: Double
    }

    public static func config(_ s: Settings) -> TrainConfig {
        var c = TrainConfig()
        c.model = "hard-xxs"
        c.dataset.kind = "synthstreets"
        c.dataset.synthTrainImages = s.trainImages
        c.dataset.synthValImages = s.valImages
        c.dataset.synthHeight = s.imageHeight
        c.dataset.synthWidth = s.imageWidth
        c.iterations = s.iterations
        c.batchSize = s.batchSize
        c.cropHeight = s.crop
        c.cropWidth = s.crop
        c.valInterval = max(s.iterations / 4, 1)
        c.checkpointInterval = max(s.iterations / 8, 1)
        c.logInterval = 10
        c.output = s.output
        return c
    }

    public static func run(_ s: Settings, log: (String) -> Void = { print($0) }) throws -> Outcome {
        let start = Date()
        let c = config(s)
        let trainSet = try DatasetFactory.make(c.dataset, split: "train")
        let valSet = try DatasetFactory.make(c.dataset, split: "val")
        log("train: \(trainSet.summary)\nval:   \(valSet.summary)")
        log("training \(c.model) for \(c.iterations) iterations (batch \(c.batchSize), crops \(c.cropHeight)x\(c.cropWidth)) into \(c.output)")
        let trainer = try Trainer(config: c, trainSet: trainSet, valSet: valSet, resume: false)
        try trainer.run(progress: ProgressReporter(total: c.iterations))
        let model = try Checkpoint.load(trainer.bestPath)
        log("evaluating the best checkpoint on \(valSet.count) validation images")
        let result = try Evaluator.evaluate(model, on: valSet)
        log("fitting the colour-only baseline on \(min(200, trainSet.count)) training images")
        let baseline = try ColorBaseline(fitting: trainSet, limit: 200).evaluate(on: valSet)

        let out = URL(fileURLWithPath: s.output)
        let overlays = out.appendingPathComponent("overlays")
        try Folder.create(overlays.path)
        var overlayFiles: [String] = []
        let predictor = Predictor(model)
        for i in 0..<min(4, valSet.count) {
            let (image, truth) = try valSet.sample(i)
            let predicted = try predictor.predict(image)
            let files = [("image", image), ("prediction", Segmenter.overlay(image, predicted, palette: valSet.palette, opacity: 0.6)),
                         ("truth", Segmenter.overlay(image, truth, palette: valSet.palette, opacity: 0.6))]
            for (kind, img) in files {
                let name = "val\(i)_\(kind).png"
                try ImageFile.writePNG(img, to: overlays.appendingPathComponent(name).path)
                overlayFiles.append("overlays/" + name)
            }
        }
        let entries = try RunLog.read(trainer.logPath)
        let lossPoints = entries.filter { $0.kind == "train" }.compactMap { e in e.loss.map { (Double(e.iteration), $0) } }
        let valPoints = entries.filter { $0.kind == "val" }.compactMap { e in e.valMIoU.map { (Double(e.iteration), $0) } }
        try writeAtomically(Data(SVGChart.lines([("training loss", "#1f77b4", lossPoints)], title: "HARD-XXS on SynthStreets: training loss",
                                                xLabel: "iteration", yLabel: "loss").utf8), to: out.appendingPathComponent("loss.svg").path)
        try writeAtomically(Data(SVGChart.lines([("validation mIoU", "#d62728", valPoints)], title: "Validation mIoU",
                                                xLabel: "iteration", yLabel: "mIoU").utf8), to: out.appendingPathComponent("miou.svg").path)
        let seconds = Date().timeIntervalSince(start)
        let report = markdown(settings: s, config: c, model: model, result: result, baseline: baseline, overlays: overlayFiles,
                              seconds: seconds, trainSpeed: entries.compactMap(\.imagesPerSecond))
        let reportPath = out.appendingPathComponent("report.md").path
        try writeAtomically(Data(report.utf8), to: reportPath)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try writeAtomically(try encoder.encode(["hard_xxs": result, "colour_baseline": baseline]), to: out.appendingPathComponent("metrics.json").path)
        let page = try RunReport.write(s.output)
        log("report:   \(page)")
        return Outcome(result: result, baseline: baseline, reportPath: reportPath, seconds: seconds)
    }

    static func markdown(settings s: Settings, config c: TrainConfig, model: HARDNetwork, result: EvaluationResult,
                         baseline: EvaluationResult, overlays: [String], seconds: Double, trainSpeed: [Double]) -> String {
        let speed = trainSpeed.isEmpty ? 0 : trainSpeed.sorted()[trainSpeed.count / 2]
        var md = """
        # Demo: HARD-XXS trained on SynthStreets

        Trained \(c.iterations) iterations of batch \(c.batchSize) on \(s.trainImages) SynthStreets images of \(s.imageWidth)x\(s.imageHeight) \
        (random scale 0.5-2.0, \(c.cropHeight)x\(c.cropWidth) crops, flips, photometric jitter), AdamW, LR 1e-5 → 1e-2 over \
        \(c.warmupIterations) warm-up iterations then cosine to 1e-5; \(model.inferenceParameterCount) parameters. \
        Evaluated on \(result.images) validation scenes (disjoint from training) at full \(s.imageWidth)x\(s.imageHeight). \
        Whole demo: \(Int(seconds)) s on this machine (\(ProcessInfo.processInfo.activeProcessorCount) cores), \
        median training speed \(String(format: "%.1f", speed)) images/s.

        | | mIoU | pixel accuracy |
        | --- | ---: | ---: |
        | HARD-XXS (best checkpoint) | \(String(format: "%.2f", 100 * result.miou)) | \(String(format: "%.2f", 100 * result.pixelAccuracy)) |
        | colour-only baseline (per-pixel colour histogram classifier, fit on 200 training images) | \(String(format: "%.2f", 100 * baseline.miou)) | \(String(format: "%.2f", 100 * baseline.pixelAccuracy)) |

        ## Per-class IoU

        | class | HARD-XXS | colour-only |
        | --- | ---: | ---: |

        """
        for (a, b) in zip(result.perClass, baseline.perClass) {
            func f(_ v: Double?) -> String { v.map { String(format: "%.2f", 100 * $0) } ?? "-" }
            md += "| \(a.name) | \(f(a.iou)) | \(f(b.iou)) |\n"
        }
        md += "\n## Learning curves\n\n![training loss](loss.svg)\n\n![validation mIoU](miou.svg)\n\n## Validation scenes (image, prediction, ground truth)\n\n"
        for row in stride(from: 0, to: overlays.count, by: 3) {
            md += overlays[row..<min(row + 3, overlays.count)].map { "![](\($0))" }.joined(separator: " ") + "\n\n"
        }
        md += "Files: `train.jsonl` (log), `best.safetensors` / `last.safetensors` (+ `.json`, model checkpoints), `checkpoint.safetensors` (training state for `--resume`), `metrics.json`.\n"
        return md
    }
}
