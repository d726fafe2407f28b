import ArgumentParser
import Foundation
import HardDeploy
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
        only standard ops are used (Conv, Relu, Clip, Add, Concat, Resize, pools).

        Examples:
          hard export onnx --model hard-xxs --height 360 --width 640 -o hard-xxs.onnx
          hard export onnx --checkpoint runs/demo/best.safetensors --height 240 --width 320 -o demo.onnx
        """)

    @Option(help: "Variant (hard-gpu, hard-s, hard-xs, hard-xxs, hard-edge); not needed with --checkpoint.") var model: String?
    @Option(help: "Model checkpoint (.safetensors with its .json); without it the weights are freshly initialised.") var checkpoint: String?
    @Option(help: "Class count for --model without a checkpoint.") var classes = 19
    @Option(help: "Input height.") var height: Int
    @Option(help: "Input width.") var width: Int
    @Option(name: .shortAndLong, help: "Output .onnx file.") var output: String

    func validate() throws {
        if model == nil && checkpoint == nil { throw ValidationError("give --model or --checkpoint") }
        if let m = model, Variant(name: m) == nil { throw ValidationError("unknown model \(m)") }
        if height < 8 || width < 8 { throw ValidationError("input must be at least 8x8") }
        if classes < 1 { throw ValidationError("--classes must be at least 1") }
    }

    func run() throws {
        do {
            let net = try checkpoint.map(Checkpoint.load) ?? Zoo.make(Variant(name: model!)!, classes: classes)
            let data = try ONNXExporter.export(net, height: height, width: width)
            try writeAtomically(data, to: output)
            print("wrote \(output): \(net.variant.rawValue), \(net.classes) classes, input 1x3x\(height)x\(width), \(data.count) bytes, opset \(ONNXExporter.opset)")
        } catch {
            throw fail(error)
        }
    }
}
