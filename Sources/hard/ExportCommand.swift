import ArgumentParser
import Foundation
import HardDeploy
import HardEngine
import HardModels
import HardNN
import HardTrain

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export a model for other runtimes.",
        subcommands: [ExportONNXCommand.self, ExportTFLiteCommand.self])
}

struct ExportONNXCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "onnx",
        abstract: "Export a HARD variant (optionally with trained weights) to ONNX, opset 17.",
        discussion: """
        The graph has one input `input` (1, 3, H, W: RGB normalised with ImageNet mean/std) and \
        one output `logits` (1, classes, H, W); batch norms are folded into the convolutions; \
        only standard ops are used (Conv, Relu, Clip, Add, Concat, Resize, pools). With \
        --checkpoint the variant and class count are the checkpoint's (a --model or --classes \
        that differs is refused), and -o may not be the checkpoint or its JSON.

        Examples:
          hard export onnx --model hard-xxs --height 360 --width 640 -o hard-xxs.onnx
          hard export onnx --checkpoint runs/demo/best.safetensors --height 240 --width 320 -o demo.onnx
        """)

    @OptionGroup var modelOptions: ModelOptions
    @Option(parsing: .unconditional, help: "Input height (16...16384).") var height: Int
    @Option(parsing: .unconditional, help: "Input width (16...16384).") var width: Int
    @Option(name: .shortAndLong, help: "Output .onnx file.") var output: String

    func validate() throws {
        try modelOptions.requireModelOrCheckpoint()
        try checked {
            try OptionValues.side(height, "--height")
            try OptionValues.side(width, "--width")
        }
    }

    func run() throws {
        do {
            let net = try modelOptions.make(defaultClasses: 19)
            let bytes = try ONNXExporter.write(net, height: height, width: width, to: output, checkpoint: modelOptions.checkpoint)
            print("wrote \(output): \(net.variant.rawValue), \(net.classes) classes, input 1x3x\(height)x\(width), \(bytes) bytes, opset \(ONNXExporter.opset)")
        } catch {
            throw fail(error)
        }
    }
}

struct ExportTFLiteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tflite",
        abstract: "Export the int8 model as a TFLite flatbuffer (the integers of the firmware's blob, in TFLite builtin ops).",
        discussion: """
        Quantizes as `hard mcu run` does (calibration on the config's train split, default \
        SynthStreets at the input size; per-channel int8 weights; TFLite's requantization), \
        compares float and int8 mIoU on the val split, and writes a .tflite that TFLite Micro, \
        ST Edge AI / STM32Cube.AI or any TFLite interpreter runs with the same integers as \
        hard's int8 runtime (docs/tflite.md). Input: the normalised int8 image (1, H, W, 3; \
        the tensor's scale and zero point), or with --rgb-input the RGB bytes (uint8). \
        Outputs: `classes` (int32, 1 x H x W) and `logits` (int8, before the final upsampling).

        Examples:
          hard export tflite --checkpoint runs/synthstreets-edge/best.safetensors --height 64 --width 64 -o edge.tflite
          hard export tflite --checkpoint CK --height 64 --width 64 --rgb-input --blob edge.hrdq -o edge.tflite
        """)

    @OptionGroup var modelOptions: ModelOptions
    @Option(parsing: .unconditional, help: "Input height (16...16384).") var height: Int
    @Option(parsing: .unconditional, help: "Input width (16...16384).") var width: Int
    @Option(name: .shortAndLong, help: "Output .tflite file.") var output: String
    @Option(help: "Training config whose dataset calibrates (train split) and evaluates (val split); default: SynthStreets at the input size.") var config: String?
    @Option(parsing: .unconditional, help: "Calibration images (1...100000).") var calibrationImages = 32
    @Option(help: "Activation ranges: minmax, or a percentile such as 99.99.") var calibration = "minmax"
    @Option(parsing: .unconditional, help: "Validation images for the float vs int8 mIoU (1...100000).") var evalImages = 50
    @Flag(help: "Take RGB bytes (uint8) as input; the normalisation runs in the model (CAST, ADD, GATHER).") var rgbInput = false
    @Option(help: "Also write the int8 blob (hard's runtime, `hard segment --int8-blob`) with the same integers.") var blob: String?

    func validate() throws {
        try modelOptions.requireModelOrCheckpoint()
        try checked {
            try OptionValues.side(height, "--height")
            try OptionValues.side(width, "--width")
            try OptionValues.count(calibrationImages, "--calibration-images", maximum: 100_000)
            try OptionValues.count(evalImages, "--eval-images", maximum: 100_000)
            if calibration != "minmax", Double(calibration).map({ $0 > 50 && $0 <= 100 }) != true {
                throw OptionError("--calibration is minmax or a percentile in (50, 100], got \(calibration)")
            }
            if output.isEmpty { throw OptionError("-o must name a file") }
            if blob == output { throw OptionError("--blob and -o name the same file") }
        }
    }

    func run() throws {
        do {
            var inputs: [OutputGuard.Input] = []
            if let c = modelOptions.checkpoint {
                inputs += [OutputGuard.Input(c, "the --checkpoint"), OutputGuard.Input(Checkpoint.infoPath(for: c), "the --checkpoint's JSON")]
            }
            if let c = config { inputs.append(OutputGuard.Input(c, "the --config file")) }
            try OutputGuard.check(outputs: [output] + (blob.map { [$0] } ?? []), against: inputs)
            let net = try modelOptions.make(defaultClasses: 11)
            if modelOptions.checkpoint == nil { print("warning: no --checkpoint: quantizing untrained (seeded) weights") }
            var options = MicroQuantizationOptions(height: height, width: width, dataset: try config.map { try TrainConfig.load($0).dataset })
            options.calibrationImages = calibrationImages
            options.evaluationImages = evalImages
            options.method = calibration == "minmax" ? .minMax : .percentile(Double(calibration)!)
            let q = try MicroQuantization.run(net, options: options, log: { print($0) })
            let description = "hard \(net.variant.rawValue) int8, \(height)x\(width), \(net.classes) classes"
            let bytes = try TFLiteExporter.write(q.model, to: output, options: .init(rgbInput: rgbInput, description: description))
            if let blob { try AtomicFile.write(q.blob, to: blob) }
            let input = q.model.tensors[1].quantization
            print(String(format: "int8 vs float on %d images: mIoU %.2f vs %.2f", q.evaluatedImages, q.int8MIoU, q.floatMIoU))
            print("wrote \(output): \(description), \(bytes) bytes; input " +
                  (rgbInput ? "uint8 RGB 1x\(height)x\(width)x3" : "int8 1x\(height)x\(width)x3 (scale \(Float(input.scale)), zero point \(input.zeroPoint))") +
                  "; outputs classes (int32) and logits (int8)" + (blob.map { "; blob \($0)" } ?? ""))
        } catch {
            throw fail(error)
        }
    }
}
