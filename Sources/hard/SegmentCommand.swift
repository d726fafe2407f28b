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
        abstract: "Segment an image, a folder of images, a video or a camera into label PNGs and colour overlays.",
        discussion: """
        For each input image writes <name>_labels.png (a palette PNG whose pixel values are the \
        class indices) and <name>_overlay.png (the image blended with the class colours) into \
        --output, <name> being the file name without its extension. When two inputs share that \
        name (a.png and a.jpg, compared ignoring case) both keep their extension instead: \
        a_png_labels.png, a_jpg_labels.png; a name still shared gets _2, _3, ... So no output \
        replaces another, and none may be an input: --output cannot be the input folder.

        A video (.mp4 .mkv .avi .mov .webm .m4v: any codec FFmpeg decodes) or a V4L2 camera \
        (/dev/videoN, with --frames) becomes one .mp4 of overlays at the input's frame rate and \
        size (H.264; an odd width or height loses its last column or row), written whole or not \
        at all; --labels-dir also keeps each frame's label PNG. It prints frames/s of the whole \
        loop and the model's share (docs/video.md).

        Example: hard segment --checkpoint runs/demo/best.safetensors photos/ --output masks/ --opacity 0.6
        Example: hard segment --checkpoint runs/demo/best.safetensors clip.mp4 --output clip_overlay.mp4
        """
    )

    @Option(help: "Model checkpoint (.safetensors with its .json).") var checkpoint: String
    @Argument(help: "An image (PNG or JPEG), a folder of images, a video file or a camera (/dev/videoN).") var input: String
    @Option(help: "Output folder (not the input folder; default segmented); for a video, an .mp4 file (default <name>_overlay.mp4 beside it).") var output: String?
    @Option(parsing: .unconditional, help: "Overlay opacity of the class colours, 0...1.") var opacity = 0.5
    @Option(help: "Palette: camvid, cityscapes, cocostuff (default: by the model's class count).") var palette: String?
    @Option(name: .customLong("input-size"), help: "Resize images to HxW for the model (each side 16...16384).") var inputSize: String?
    @OptionGroup var augmentation: AugmentationOptions
    @OptionGroup var int8Options: Int8Options
    @Option(name: .customLong("labels-dir"), help: "Video only: also write each frame's label PNG (frame_000001_labels.png, ...) into this folder.") var labelsDir: String?
    @Option(help: "Video only: stop after this many frames (required for a camera).") var frames: Int?
    @Flag(name: .customLong("cityscapes-ids"), help: "The Cityscapes benchmark's format: for each *_leftImg8bit.png under the input (city folders searched), <city>_<seq>_<frame>_pred_labelIds.png in labelIds, no overlays; the official evaluator and the server take the folder as it is.") var cityscapesIds = false

    func validate() throws {
        try checked {
            try OptionValues.number(opacity, "--opacity", in: 0...1)
            _ = try parseSize(inputSize, "--input-size")
            if let frames { try OptionValues.count(frames, "--frames") }
            let video = VideoSegmenter.isVideoInput(input)
            if video && cityscapesIds { throw OptionError("--cityscapes-ids takes a folder of Cityscapes images, not a video") }
            if video && int8Options.int8 { throw OptionError("--int8 takes images; a video runs on the float fast plan") }
            if !video && (labelsDir != nil || frames != nil) {
                throw OptionError("--labels-dir and --frames are for a video input (.mp4 .mkv .avi .mov .webm .m4v or /dev/videoN)")
            }
            if let p = palette, !Palettes.names.contains(p) {
                throw OptionError("--palette: unknown palette '\(p)'; one of \(Palettes.names.joined(separator: ", "))")
            }
        }
    }

    func run() throws {
        do {
            if VideoSegmenter.isVideoInput(input) { return try runVideo() }
            let output = self.output ?? "segmented"
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

    /// A video file or a camera into one .mp4 of overlays.
    func runVideo() throws {
        let output = self.output ?? Self.defaultVideoOutput(for: input)
        try VideoSegmenter.checkOutput(output, input: input)
        let model = try Checkpoint.load(checkpoint)
        let colors = try Palettes.colors(named: palette, classes: model.classes)
        let report = try VideoSegmenter.run(model: model, input: input, output: output, palette: colors, opacity: opacity,
                                            inputSize: try parseSize(inputSize, "--input-size"),
                                            augmentation: try augmentation.augmentation(), labelsDir: labelsDir,
                                            maxFrames: frames) { n in if n % 100 == 0 { print("segmented \(n) frames") } }
        if report.skippedPackets > 0 { print("warning: \(input): \(report.skippedPackets) damaged packets skipped") }
        if report.encodedWidth != report.width || report.encodedHeight != report.height {
            print("note: yuv420p needs even sizes: the video is \(report.encodedWidth)x\(report.encodedHeight), the last column or row dropped")
        }
        print(report.summary)
        print("wrote \(output)" + (labelsDir.map { " and \(report.frames) label PNGs to \($0)" } ?? ""))
    }

    /// `<name>_overlay.mp4` beside a file (`clip.mkv` -> `clip_overlay.mp4`); for a camera,
    /// `video0_overlay.mp4` in the current folder.
    static func defaultVideoOutput(for input: String) -> String {
        let stem = ((input as NSString).lastPathComponent as NSString).deletingPathExtension + "_overlay.mp4"
        if VideoReader.isCamera(input) { return stem }
        return ((input as NSString).deletingLastPathComponent as NSString).appendingPathComponent(stem)
    }
}
