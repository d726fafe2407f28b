import ArgumentParser
import Foundation
import HardData
import HardEngine
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

    @Option(name: .customLong("synth-images"), parsing: .unconditional, help: "SynthStreets: number of images in the split (1...1000000).")
    var synthImages = 100

    @Option(name: .customLong("synth-size"), help: "SynthStreets: image size HxW (each side 16...16384).")
    var synthSize = "360x480"

    func validate() throws {
        try checked {
            try OptionValues.count(synthImages, "--synth-images", maximum: 1_000_000)
            _ = try OptionValues.size(synthSize, "--synth-size")
        }
    }

    func make() throws -> SegmentationDataset {
        var c = DatasetConfig()
        c.kind = dataset
        c.root = root
        let size = try OptionValues.size(synthSize, "--synth-size")
        c.synthHeight = size.height; c.synthWidth = size.width
        c.synthTrainImages = synthImages; c.synthValImages = synthImages
        return try DatasetFactory.make(c, split: split)
    }
}

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

struct SegmentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "segment",
        abstract: "Segment an image or a folder of images into label PNGs and colour overlays.",
        discussion: """
        For each input image writes <name>_labels.png (a palette PNG whose pixel values are the \
        class indices) and <name>_overlay.png (the image blended with the class colours) into \
        --output, <name> being the file name without its extension. When two inputs share that \
        name (a.png and a.jpg, compared ignoring case) both keep their extension instead: \
        a_png_labels.png, a_jpg_labels.png; a name still shared gets _2, _3, ... So no output \
        replaces another, and none may be an input: --output cannot be the input folder.

        Example: hard segment --checkpoint runs/demo/best.safetensors photos/ --output masks/ --opacity 0.6
        """
    )

    @Option(help: "Model checkpoint (.safetensors with its .json).") var checkpoint: String
    @Argument(help: "An image (PNG or JPEG) or a folder of images.") var input: String
    @Option(help: "Output folder (not the input folder).") var output = "segmented"
    @Option(parsing: .unconditional, help: "Overlay opacity of the class colours, 0...1.") var opacity = 0.5
    @Option(help: "Palette: camvid, cityscapes, cocostuff (default: by the model's class count).") var palette: String?
    @Option(name: .customLong("input-size"), help: "Resize images to HxW for the model (each side 16...16384).") var inputSize: String?

    func validate() throws {
        try checked {
            try OptionValues.number(opacity, "--opacity", in: 0...1)
            _ = try parseSize(inputSize, "--input-size")
            if let p = palette, !["camvid", "cityscapes", "cocostuff"].contains(p) {
                throw OptionError("--palette: unknown palette '\(p)'; one of camvid, cityscapes, cocostuff")
            }
        }
    }

    func run() throws {
        do {
            try Segmenter.checkOutputFolder(output, input: input)
            let model = try Checkpoint.load(checkpoint)
            let colors: [RGBColor]
            switch palette ?? (model.classes == 19 ? "cityscapes" : model.classes == 171 ? "cocostuff" : "camvid") {
            case "cityscapes": colors = CityscapesDataset.palette
            case "cocostuff": colors = CocoStuff10kDataset.palette
            case "camvid": colors = SynthStreets.palette
            case let other: throw OptionError("--palette: unknown palette '\(other)'")
            }
            guard colors.count >= model.classes else {
                throw ConfigError("the \(palette ?? "camvid") palette has \(colors.count) colours for \(model.classes) classes; pass --palette")
            }
            let files = try Segmenter.inputs(input)
            let written = try Segmenter.run(model: model, inputs: files, outputDir: output, palette: colors, opacity: opacity,
                                            inputSize: try parseSize(inputSize, "--input-size")) { print("segmented \($0)") }
            print("wrote \(written.count) files to \(output)")
        } catch let e as ValidationError {
            throw e
        } catch {
            throw fail(error)
        }
    }
}
