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
        `hard segment`.

        Examples:
          hard train --model hard-xxs --iterations 2000 --output runs/xxs
          hard train --config configs/cityscapes-xxs.yaml
          hard train --config configs/cityscapes-xxs.yaml --resume
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

    @Option(help: "Training iterations.") var iterations: Int?
    @Option(name: .customLong("batch-size"), help: "Images per batch.") var batchSize: Int?
    @Option(help: "Crop size HxW, e.g. 360x360.") var crop: String?
    @Option(name: .customLong("lr-peak"), help: "Peak learning rate after the warm-up.") var lrPeak: Double?
    @Option(name: .customLong("val-interval"), help: "Validate every N iterations.") var valInterval: Int?
    @Option(name: .customLong("val-images"), help: "Validate on the first N images only.") var valImages: Int?
    @Option(name: .customLong("checkpoint-interval"), help: "Save the training state every N iterations.") var checkpointInterval: Int?
    @Option(help: "Random seed (initialisation, data order, augmentation).") var seed: UInt64?
    @Option(help: "Output folder for logs and checkpoints.") var output: String?

    @Flag(help: "Continue the run in --output from its last checkpoint (same LR step, same data order).")
    var resume = false

    func run() throws {
        do {
            var c = try config.map(TrainConfig.load) ?? TrainConfig()
            if let model { c.model = model }
            if let dataset { c.dataset.kind = dataset }
            if let root { c.dataset.root = root }
            if let iterations { c.iterations = iterations }
            if let batchSize { c.batchSize = batchSize }
            if let crop {
                let parts = crop.lowercased().split(separator: "x").compactMap { Int($0) }
                guard parts.count == 2 else { throw ValidationError("--crop takes HxW, e.g. 360x360") }
                c.cropHeight = parts[0]; c.cropWidth = parts[1]
            }
            if let lrPeak { c.lrPeak = lrPeak }
            if let valInterval { c.valInterval = valInterval }
            if let valImages { c.valImages = valImages }
            if let checkpointInterval { c.checkpointInterval = checkpointInterval }
            if let seed { c.seed = seed }
            if let output { c.output = output }
            try c.validate()
            let trainSet = try DatasetFactory.make(c.dataset, split: c.dataset.trainSplit)
            let valSet = try DatasetFactory.make(c.dataset, split: c.dataset.valSplit)
            print("train: \(trainSet.summary)")
            print("val:   \(valSet.summary)")
            let trainer = try Trainer(config: c, trainSet: trainSet, valSet: valSet, resume: resume)
            print("model: \(c.model), \(trainer.model.inferenceParameterCount) parameters; backend \(Backend.current); output \(c.output)")
            if resume { print("resuming at iteration \(trainer.state.iteration) of \(c.iterations)") }
            let final = try trainer.run(progress: ProgressReporter(total: c.iterations))
            print(String(format: "done: %d iterations, best val mIoU %.2f; checkpoints in %@", final.iteration, 100 * max(final.bestMIoU, 0), c.output))
        } catch let e as ValidationError {
            throw e
        } catch {
            throw fail(error)
        }
    }
}
