import ArgumentParser
import Foundation
import HardData
import HardDeploy
import HardEngine
import HardModels
import HardTrain

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
    @OptionGroup var augmentation: AugmentationOptions
    @OptionGroup var int8Options: Int8Options
    @Flag(name: .customLong("cityscapes-ids"), help: "The Cityscapes benchmark's format: for each *_leftImg8bit.png under the input (city folders searched), <city>_<seq>_<frame>_pred_labelIds.png in labelIds, no overlays; the official evaluator and the server take the folder as it is.") var cityscapesIds = false

    func validate() throws {
        try checked {
            try OptionValues.number(opacity, "--opacity", in: 0...1)
            _ = try parseSize(inputSize, "--input-size")
            if let p = palette, !Palettes.names.contains(p) {
                throw OptionError("--palette: unknown palette '\(p)'; one of \(Palettes.names.joined(separator: ", "))")
            }
        }
    }

    func run() throws {
        do {
            try Segmenter.checkOutputFolder(output, input: input)
            let model = try Checkpoint.load(checkpoint)
            if cityscapesIds {
                let files = try CityscapesResults.inputs(input)
                let written = try CityscapesResults.run(model: model, inputs: files, outputDir: output,
                                                        inputSize: try parseSize(inputSize, "--input-size"),
                                                        augmentation: try augmentation.augmentation()) { print("segmented \($0)") }
                print("wrote \(written.count) labelIds predictions to \(output) (Cityscapes benchmark format)")
                return
            }
            let colors = try Palettes.colors(named: palette, classes: model.classes)
            let files = try Segmenter.inputs(input)
            if int8Options.int8 {
                // Calibrated on the inputs themselves (the first --calibration-images of them).
                let size = try parseSize(int8Options.int8Size, "--int8-size") ?? parseSize(inputSize, "--input-size")
                let int8 = try int8Options.int8Blob.map { try Int8Predictor(blob: $0) } ?? {
                    let images = try files.prefix(int8Options.calibrationImages).map { try ImageFile.readRGB($0) }
                    let s = size ?? (images[0].height, images[0].width)
                    return try Int8Predictor(network: model, height: s.height, width: s.width, calibrationImages: images,
                                             describing: "\(images.count) of the inputs")
                }()
                print(int8.origin)
                let written = try Segmenter.run(inputs: files, outputDir: output, palette: colors, opacity: opacity,
                                                progress: { print("segmented \($0)") }) { int8.predict($0) }
                print("wrote \(written.count) files to \(output)")
                return
            }
            let written = try Segmenter.run(model: model, inputs: files, outputDir: output, palette: colors, opacity: opacity,
                                            inputSize: try parseSize(inputSize, "--input-size"),
                                            augmentation: try augmentation.augmentation()) { print("segmented \($0)") }
            print("wrote \(written.count) files to \(output)")
        } catch let e as ValidationError {
            throw e
        } catch {
            throw fail(error)
        }
    }
}
