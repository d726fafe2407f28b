import ArgumentParser
import Foundation
import HardDeploy
import HardEngine
import HardModels
import HardNN

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export a model for other runtimes.",
        subcommands: [ExportONNXCommand.self])
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
