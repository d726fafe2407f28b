import ArgumentParser
import Foundation
import HardData
import HardModels
import HardTrain

/// Options that name a dataset, shared by eval and segment.
struct DatasetOptions: ParsableArguments {
    @Option(help: "Dataset kind: synthstreets, cityscapes, camvid, cocostuff10k, folder.")
    var dataset = "synthstreets"

    @Option(help: "Dataset root folder (not needed for synthstreets).")
    var root: String?

    @Option(help: "Split to read (Cityscapes/CamVid: train, val, test; COCO-Stuff-10k: train, test; folder: all or a subfolder).")
    var split = "val"

    @Option(name: .customLong("synth-images"), help: "SynthStreets: number of images in the split.")
    var synthImages = 100

    @Option(name: .customLong("synth-size"), help: "SynthStreets: image size HxW.")
    var synthSize = "360x480"

    func make() throws -> SegmentationDataset {
        var c = DatasetConfig()
        c.kind = dataset
        c.root = root
        let size = synthSize.lowercased().split(separator: "x").compactMap { Int($0) }
        guard size.count == 2 else { throw ValidationError("--synth-size takes HxW") }
        c.synthHeight = size[0]; c.synthWidth = size[1]
        c.synthTrainImages = synthImages; c.synthValImages = synthImages
        return try DatasetFactory.make(c, split: split)
    }
}

/// Reports an error of user input the way every command does: one line, exit status 1.
func fail(_ error: Error) -> ExitCode {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    return ExitCode(1)
}

func parseSize(_ text: String?) throws -> (height: Int, width: Int)? {
    guard let text else { return nil }
    let parts = text.lowercased().split(separator: "x").compactMap { Int($0) }
    guard parts.count == 2, parts[0] >= 16, parts[1] >= 16 else { throw ValidationError("sizes are HxW, at least 16x16: \(text)") }
    return (parts[0], parts[1])
}

struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate a checkpoint: per-class IoU, mIoU and pixel accuracy (mmseg convention).",
        discussion: """
        Intersections and unions are summed over the whole set; a class with an empty union is \
        left out of the mean; pixels labelled 255 are ignored. With --input-size the images are \
        resized for the model and the logits resized back to the label resolution.

        Example: hard eval --checkpoint runs/demo/best.safetensors --dataset camvid --root /data/CamVid --split test
        """
    )

    @Option(help: "Model checkpoint (.safetensors with its .json).")
    var checkpoint: String

    @OptionGroup var data: DatasetOptions

    @Option(help: "Evaluate only the first N images.") var limit: Int?
    @Option(name: .customLong("input-size"), help: "Resize images to HxW for the model.") var inputSize: String?
    @Flag(help: "Print JSON: {miou, pixel_accuracy, per_class: [{name, iou}]}.") var json = false

    func run() throws {
        do {
            let model = try Checkpoint.load(checkpoint)
            let ds = try data.make()
            guard model.classes == ds.classCount else {
                throw ConfigError("\(checkpoint) has \(model.classes) classes, \(ds.name) has \(ds.classCount)")
            }
            if !json { print(ds.summary) }
            let result = try Evaluator.evaluate(model, on: ds, limit: limit, inputSize: try parseSize(inputSize))
            print(json ? try result.json() : result.table())
        } catch let e as ValidationError {
            throw e
        } catch {
            throw fail(error)
        }
    }
}

struct SegmentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "segment",
        abstract: "Segment an image or a folder of images into label PNGs and colour overlays.",
        discussion: """
        For each input image writes <name>_labels.png (a palette PNG whose pixel values are the \
        class indices) and <name>_overlay.png (the image blended with the class colours) into --output.

        Example: hard segment --checkpoint runs/demo/best.safetensors photos/ --output masks/ --opacity 0.6
        """
    )

    @Option(help: "Model checkpoint (.safetensors with its .json).") var checkpoint: String
    @Argument(help: "An image (PNG or JPEG) or a folder of images.") var input: String
    @Option(help: "Output folder.") var output = "segmented"
    @Option(help: "Overlay opacity of the class colours, 0...1.") var opacity = 0.5
    @Option(help: "Palette: camvid, cityscapes, cocostuff (default: by the model's class count).") var palette: String?
    @Option(name: .customLong("input-size"), help: "Resize images to HxW for the model.") var inputSize: String?

    func validate() throws {
        guard (0...1).contains(opacity) else { throw ValidationError("--opacity is between 0 and 1") }
    }

    func run() throws {
        do {
            let model = try Checkpoint.load(checkpoint)
            let colors: [RGBColor]
            switch palette ?? (model.classes == 19 ? "cityscapes" : model.classes == 171 ? "cocostuff" : "camvid") {
            case "cityscapes": colors = CityscapesDataset.palette
            case "cocostuff": colors = CocoStuff10kDataset.palette
            case "camvid": colors = SynthStreets.palette
            case let other: throw ValidationError("unknown palette \(other)")
            }
            guard colors.count >= model.classes else {
                throw ConfigError("the \(palette ?? "camvid") palette has \(colors.count) colours for \(model.classes) classes; pass --palette")
            }
            let files = try Segmenter.inputs(input)
            let written = try Segmenter.run(model: model, inputs: files, outputDir: output, palette: colors, opacity: opacity,
                                            inputSize: try parseSize(inputSize)) { print("segmented \($0)") }
            print("wrote \(written.count) files to \(output)")
        } catch let e as ValidationError {
            throw e
        } catch {
            throw fail(error)
        }
    }
}
