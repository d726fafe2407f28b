import ArgumentParser
import Foundation
import HardData
import HardDeploy
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
    @OptionGroup var int8Options: Int8Options

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
            let size = try parseSize(inputSize, "--input-size")
            let result: EvaluationResult
            if int8Options.int8 {
                // Calibrated on the training split, never on the images it is scored on.
                var calibration = data
                calibration.split = "train"
                let int8Size = try parseSize(int8Options.int8Size, "--int8-size") ?? size
                    ?? { let i = try ds.sample(0).image; return (i.height, i.width) }()
                let int8 = try int8Options.int8Blob.map { try Int8Predictor(blob: $0) }
                    ?? Int8Predictor(network: model, height: int8Size.height, width: int8Size.width, calibration: try calibration.make(),
                                     images: int8Options.calibrationImages)
                guard int8.executor.model.tensors[int8.executor.logitsTensor].channels == ds.classCount else {
                    throw ConfigError("the int8 model has \(int8.executor.model.tensors[int8.executor.logitsTensor].channels) classes, \(ds.name) has \(ds.classCount)")
                }
                if !json { print(int8.origin) }
                result = try Evaluator.evaluate(on: ds, limit: limit, path: int8.origin) { int8.predict($0) }
            } else {
                result = try Evaluator.evaluate(model, on: ds, limit: limit, inputSize: size, augmentation: try augmentation.augmentation())
            }
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
