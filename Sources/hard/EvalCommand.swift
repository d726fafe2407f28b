import ArgumentParser
import Foundation
import HardData
import HardEngine
import HardModels
import HardTrain

struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate a checkpoint: per-class IoU, mIoU and pixel accuracy (mmseg convention).",
        discussion: """
        Intersections and unions are summed over the whole set; a class with an empty union is \
        left out of the mean; pixels labelled 255 are ignored. With --input-size the images are \
        resized for the model and the logits resized back to the label resolution. Besides mIoU: per-class \
        accuracy (recall) and Dice, mAcc, mDice, frequency-weighted IoU. With --output, writes \
        metrics.json (everything, the confusion matrix counts[truth][prediction] included) and \
        confusion.png (rows normalised, viridis; class colours along the top and left edges).

        Example: hard eval --checkpoint runs/demo/best.safetensors --dataset camvid --root /data/CamVid --split test
        """
    )

    @Option(help: "Model checkpoint (.safetensors with its .json).")
    var checkpoint: String

    @OptionGroup var data: DatasetOptions
    @OptionGroup var augmentation: AugmentationOptions

    @Option(parsing: .unconditional, help: "Evaluate only the first N images (N >= 1).") var limit: Int?
    @Option(name: .customLong("input-size"), help: "Resize images to HxW for the model (each side 16...16384).") var inputSize: String?
    @Flag(help: "Print JSON: {miou, pixel_accuracy, mean_accuracy, mean_dice, fw_iou, confusion, per_class: [{name, iou, accuracy, dice}]}.") var json = false
    @Option(help: "Folder for metrics.json and confusion.png (created; files written atomically).") var output: String?

    func validate() throws {
        try checked {
            if let limit { try OptionValues.count(limit, "--limit") }
            if let output, output.isEmpty { throw OptionError("--output must name a folder") }
            _ = try parseSize(inputSize, "--input-size")
        }
    }

    func run() throws {
        do {
            let model = try Checkpoint.load(checkpoint)
            let ds = try data.make()
            guard model.classes == ds.classCount else {
                throw ConfigError("\(checkpoint) has \(model.classes) classes, \(ds.name) has \(ds.classCount)")
            }
            if !json { print(ds.summary) }
            let result = try Evaluator.evaluate(model, on: ds, limit: limit, inputSize: try parseSize(inputSize, "--input-size"),
                                                augmentation: try augmentation.augmentation())
            print(json ? try result.json() : result.table())
            if let output {
                try OutputGuard.check(outputs: ["metrics.json", "confusion.png"].map { (output as NSString).appendingPathComponent($0) },
                                      against: [OutputGuard.Input(checkpoint, "the --checkpoint")])
                try Folder.create(output)
                try AtomicFile.write(try result.json() + "\n", to: (output as NSString).appendingPathComponent("metrics.json"))
                var matrix = ConfusionMatrix(classes: ds.classCount)
                matrix.load(rows: result.confusion)
                try ImageFile.writePNG(matrix.heatMap(palette: ds.palette), to: (output as NSString).appendingPathComponent("confusion.png"))
                if !json { print("wrote \(output)/metrics.json and confusion.png") }
            }
        } catch let e as ValidationError {
            throw e
        } catch {
            throw fail(error)
        }
    }
}
