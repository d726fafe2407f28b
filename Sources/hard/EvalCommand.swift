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
        resized for the model and the logits resized back to the label resolution. Writes no file.

        Example: hard eval --checkpoint runs/demo/best.safetensors --dataset camvid --root /data/CamVid --split test
        """
    )

    @Option(help: "Model checkpoint (.safetensors with its .json).")
    var checkpoint: String

    @OptionGroup var data: DatasetOptions

    @Option(parsing: .unconditional, help: "Evaluate only the first N images (N >= 1).") var limit: Int?
    @Option(name: .customLong("input-size"), help: "Resize images to HxW for the model (each side 16...16384).") var inputSize: String?
    @Flag(help: "Print JSON: {miou, pixel_accuracy, per_class: [{name, iou}]}.") var json = false

    func validate() throws {
        try checked {
            if let limit { try OptionValues.count(limit, "--limit") }
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
            let result = try Evaluator.evaluate(model, on: ds, limit: limit, inputSize: try parseSize(inputSize, "--input-size"))
            print(json ? try result.json() : result.table())
        } catch let e as ValidationError {
            throw e
        } catch {
            throw fail(error)
        }
    }
}
