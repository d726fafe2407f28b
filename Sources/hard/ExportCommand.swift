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

    @Option(help: "Variant (hard-gpu, hard-s, hard-xs, hard-xxs, hard-edge); not needed with --checkpoint.") var model: String?
    @Option(help: "Model checkpoint (.safetensors with its .json); without it the weights are freshly initialised.") var checkpoint: String?
    @Option(parsing: .unconditional, help: "Class count for --model without a checkpoint (\(Zoo.classRange.lowerBound)...\(Zoo.classRange.upperBound), default 19).") var classes: Int?
    @Option(parsing: .unconditional, help: "Input height (16...16384).") var height: Int
    @Option(parsing: .unconditional, help: "Input width (16...16384).") var width: Int
    @Option(name: .shortAndLong, help: "Output .onnx file.") var output: String

    func validate() throws {
        try checked {
            if model == nil && checkpoint == nil { throw OptionError("give --model or --checkpoint") }
            if let m = model { _ = try ModelChoice.variant(m) }
            if let c = classes { try ModelChoice.checkClasses(c) }
            try OptionValues.side(height, "--height")
            try OptionValues.side(width, "--width")
        }
    }

    func run() throws {
        do {
            let net = try ModelChoice.make(model: model, classes: classes, checkpoint: checkpoint, defaultClasses: 19)
            let bytes = try ONNXExporter.write(net, height: height, width: width, to: output, checkpoint: checkpoint)
            print("wrote \(output): \(net.variant.rawValue), \(net.classes) classes, input 1x3x\(height)x\(width), \(bytes) bytes, opset \(ONNXExporter.opset)")
        } catch {
            throw fail(error)
        }
    }
}
