import ArgumentParser
import Foundation
import HardData
import HardEngine
import HardModels
import HardTrain

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a HARD variant with the paper's recipe.",
        discussion: """
        Defaults are the paper's recipe: AdamW (weight decay 1e-4), learning rate 1e-5 → 1e-2 \
        over the warm-up (21.8 % of the iterations, as 6550 of 30000), cosine to 1e-5, extra \
        semantic loss weight 0.3 on HARD-GPU's auxiliary heads, random scale 0.5-2.0, crop, \
        flip and photometric jitter. Without --dataset it trains on SynthStreets, the built-in \
        synthetic street scenes.

        Writes into --output: train.jsonl (log), checkpoint.safetensors (to --resume), \
        best.safetensors / last.safetensors (+ .json) model checkpoints for `hard eval` and \
        `hard segment`, and a TensorBoard events file events.out.tfevents.* (the same \
        numbers, per-class IoU and validation overlays; `tensorboard --logdir` on the folder; \
        --no-tensorboard or `tensorboard: false` leaves it out).

        Examples:
          hard train --model hard-xxs --iterations 2000 --output runs/xxs
          hard train --config configs/cityscapes-xxs.yaml
          hard train --config configs/cityscapes-xxs.yaml --resume
          hard train --config configs/cityscapes-xxs.yaml --init-from runs/xxs-pretrain/best.safetensors
          hard train --task classification --dataset imagenet --root /data/imagenet --model hard-xxs --crop 224x224

        Fine-tuning: --init-from loads every tensor of a checkpoint whose key and shape fit \
        (a classifier of another class count is re-initialised) and prints what it loaded, \
        skipped and re-initialised. Encoder pretraining: --task classification trains the \
        variant's encoder with a classification head on an ImageNet-layout folder \
        (root/train/<class>/*.jpg, root/val/<class>/*.jpg); --init-from its checkpoint starts \
        a segmentation run from that encoder.
        """
    )

    @Option(help: "YAML or JSON configuration file (flags below override it).")
    var config: String?

    @Option(help: "Variant: hard-gpu, hard-s, hard-xs, hard-xxs, hard-edge.")
    var model: String?

    @Option(help: "Dataset kind: synthstreets, cityscapes, camvid, cocostuff10k, folder.")
    var dataset: String?

    @Option(help: "Dataset root folder (not needed for synthstreets).")
    var root: String?

    @Option(parsing: .unconditional, help: "Training iterations (1...100000000).") var iterations: Int?
    @Option(name: .customLong("batch-size"), parsing: .unconditional, help: "Images per batch (1...4096).") var batchSize: Int?
    @Option(help: "Crop size HxW, e.g. 360x360 (each side 16...16384).") var crop: String?
    @Option(name: .customLong("lr-peak"), parsing: .unconditional, help: "Peak learning rate after the warm-up (above 0).") var lrPeak: Double?
    @Option(name: .customLong("val-interval"), parsing: .unconditional, help: "Validate every N iterations (N >= 1).") var valInterval: Int?
    @Option(name: .customLong("val-images"), parsing: .unconditional, help: "Validate on the first N images only (N >= 1).") var valImages: Int?
    @Option(name: .customLong("checkpoint-interval"), parsing: .unconditional, help: "Save the training state every N iterations (N >= 1).") var checkpointInterval: Int?
    @Option(parsing: .unconditional, help: "Random seed (initialisation, data order, augmentation).") var seed: UInt64?
    @Option(help: "Output folder for logs and checkpoints.") var output: String?
    @Option(help: "segmentation (default), or classification: encoder pretraining on a --dataset imagenet folder.") var task: String?
    @Option(name: .customLong("init-from"), help: "Start from the tensors of this checkpoint that fit (fine-tuning, a pretrained encoder).") var initFrom: String?

    @Option(help: "Loss: ce (the paper's cross-entropy) or ohem (only pixels whose true-class probability is under --ohem-threshold, at least --ohem-min-kept per batch).") var loss: String?
    @Option(name: .customLong("ohem-threshold"), parsing: .unconditional, help: "OHEM's probability threshold (0 < t <= 1; default 0.7).") var ohemThreshold: Double?
    @Option(name: .customLong("ohem-min-kept"), parsing: .unconditional, help: "OHEM's minimum of kept pixels per batch (default 131072).") var ohemMinKept: Int?
    @Option(name: .customLong("class-weights"), help: "Cross-entropy class weights: auto (from the training labels' frequencies) or one number per class, comma-separated.") var classWeights: String?

    @Flag(help: "Continue the run in --output from its last checkpoint (same LR step, same data order).")
    var resume = false

    @Flag(name: .customLong("no-tensorboard"), help: "Write no TensorBoard events file (config key tensorboard: false).")
    var noTensorboard = false

    /// Flags are checked here, naming the flag; the configuration file's keys by `TrainConfig.validate`.
    func validate() throws {
        try checked {
            if let m = model { _ = try ModelChoice.variant(m) }
            if let iterations { try OptionValues.count(iterations, "--iterations", maximum: 100_000_000) }
            if let batchSize { try OptionValues.count(batchSize, "--batch-size", maximum: 4096) }
            if let crop { _ = try OptionValues.size(crop, "--crop") }
            if let lrPeak { try OptionValues.positive(lrPeak, "--lr-peak") }
            if let valInterval { try OptionValues.count(valInterval, "--val-interval") }
            if let valImages { try OptionValues.count(valImages, "--val-images") }
            if let checkpointInterval { try OptionValues.count(checkpointInterval, "--checkpoint-interval") }
            if let output, output.isEmpty { throw OptionError("--output must name a folder") }
            if let task, ModelTask(rawValue: task) == nil {
                throw OptionError("--task must be one of \(ModelTask.allCases.map(\.rawValue).joined(separator: ", ")), got '\(task)'")
            }
            if let initFrom, initFrom.isEmpty { throw OptionError("--init-from must name a checkpoint") }
            if let loss, !["ce", "ohem"].contains(loss) { throw OptionError("--loss must be ce or ohem, got '\(loss)'") }
            if let ohemThreshold, !(ohemThreshold > 0 && ohemThreshold <= 1) {
                throw OptionError("--ohem-threshold is a probability in (0, 1], got \(ohemThreshold)")
            }
            if let ohemMinKept, ohemMinKept < 0 { throw OptionError("--ohem-min-kept must not be negative, got \(ohemMinKept)") }
            if let classWeights { _ = try Self.parseClassWeights(classWeights) }
        }
    }

    /// `auto`, or comma-separated non-negative numbers.
    static func parseClassWeights(_ text: String) throws -> ClassWeights {
        if text == "auto" { return .auto }
        let parts = text.split(separator: ",", omittingEmptySubsequences: false)
        let values = parts.compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard values.count == parts.count, values.allSatisfy({ $0.isFinite && $0 >= 0 }), values.contains(where: { $0 > 0 }) else {
            throw OptionError("--class-weights must be auto or comma-separated non-negative numbers (not all 0), got '\(text)'")
        }
        return .values(values)
    }

    func run() throws {
        do {
            var c = try config.map(TrainConfig.load) ?? TrainConfig()
            if let model { c.model = model }
            if let dataset { c.dataset.kind = dataset }
            if let root { c.dataset.root = root }
            if let iterations { c.iterations = iterations }
            if let batchSize { c.batchSize = batchSize }
            if let crop {
                let size = try OptionValues.size(crop, "--crop")
                c.cropHeight = size.height; c.cropWidth = size.width
            }
            if let lrPeak { c.lrPeak = lrPeak }
            if let valInterval { c.valInterval = valInterval }
            if let valImages { c.valImages = valImages }
            if let checkpointInterval { c.checkpointInterval = checkpointInterval }
            if let seed { c.seed = seed }
            if let output { c.output = output }
            if let task { c.task = task }
            if let initFrom { c.initFrom = initFrom }
            if let loss { c.loss = loss }
            if let ohemThreshold { c.ohemThreshold = ohemThreshold }
            if let ohemMinKept { c.ohemMinKept = ohemMinKept }
            if let classWeights { c.classWeights = try Self.parseClassWeights(classWeights) }
            if noTensorboard { c.tensorboard = false }
            try c.validate()
            let side = max(c.cropHeight, c.cropWidth)
            let trainSet = try DatasetFactory.make(c.dataset, split: c.dataset.trainSplit, classificationSide: side)
            let valSet = try DatasetFactory.make(c.dataset, split: c.dataset.valSplit, classificationSide: side)
            print("train: \(trainSet.summary)")
            print("val:   \(valSet.summary)")
            let trainer = try Trainer(config: c, trainSet: trainSet, valSet: valSet, resume: resume,
                                      inputs: config.map { [OutputGuard.Input($0, "the --config file")] } ?? [])
            print("model: \(c.model), \(trainer.model.inferenceParameterCount) parameters; backend \(Backend.current); output \(c.output)")
            if c.loss == "ohem" { print(String(format: "loss: OHEM cross-entropy, threshold %.2f, at least %d pixels per batch", c.ohemThreshold, c.ohemMinKept)) }
            if let w = trainer.classWeights {
                print("class weights: " + zip(trainSet.classNames, w).map { String(format: "%@ %.2f", $0.0, $0.1) }.joined(separator: ", "))
            }
            if resume { print("resuming at iteration \(trainer.state.iteration) of \(c.iterations)") }
            if let report = trainer.transfer {
                print("init from \(c.initFrom!):")
                for line in report.lines { print("  " + line) }
            } else if resume, c.initFrom != nil {
                print("init_from ignored: resuming, the training state holds the weights")
            }
            let final = try trainer.run(progress: ProgressReporter(total: c.iterations))
            let metric = c.modelTask == .classification ? "top-1 accuracy" : "mIoU"
            print(String(format: "done: %d iterations, best val %@ %.2f; checkpoints in %@", final.iteration, metric, 100 * max(final.bestMIoU, 0), c.output))
        } catch let e as ValidationError {
            throw e
        } catch {
            throw fail(error)
        }
    }
}
