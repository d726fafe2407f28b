import ArgumentParser
import Foundation
import HardModels

struct ModelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "List the five HARD variants with parameters and MACs, beside the paper's figures.",
        discussion: """
        Each variant is built and run once on a zero input at the paper's resolution and \
        class count (HARD-GPU 512x1024, 19 classes; S, XS, XXS 360x640, 19; Edge 64x64, 11); \
        MACs are counted from the ops that ran. FLOPs = 2 x MACs. Parameters exclude \
        HARD-GPU's training-only auxiliary heads, as the paper counts them.
        """
    )

    @Flag(help: "Print JSON: an array of {name, classes, height, width, params, macs, ...}.")
    var json = false

    @Option(help: "Override the class count for every variant.")
    var classes: Int?

    @Option(help: "Override the input height (with --width).")
    var height: Int?

    @Option(help: "Override the input width (with --height).")
    var width: Int?

    @Option(help: "Also print MACs and parameters per module for this variant (e.g. hard-xxs).")
    var detail: String?

    @Option(help: "Module depth for --detail (1 = top-level modules).")
    var depth = 2

    func validate() throws {
        if let d = detail, Variant(name: d) == nil { throw ValidationError("unknown variant \(d); one of \(Variant.allCases.map(\.rawValue).joined(separator: ", "))") }
        if (height == nil) != (width == nil) { throw ValidationError("give --height and --width together") }
        if let h = height, let w = width, h < 8 || w < 8 { throw ValidationError("input must be at least 8x8") }
        if let c = classes, c < 1 { throw ValidationError("--classes must be at least 1") }
    }

    func run() throws {
        let rows = Variant.allCases.map { ModelSummary.measure($0, classes: classes, height: height, width: width) }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(rows), as: UTF8.self))
            return
        }
        func m(_ v: Int) -> String { String(format: "%.3fM", Double(v) / 1e6) }
        func g(_ v: Int) -> String { v < 100_000_000 ? String(format: "%.1fM", Double(v) / 1e6) : String(format: "%.2fG", Double(v) / 1e9) }
        print("name       input      classes  params    (paper)   MACs     (paper)   FLOPs")
        for r in rows {
            let input = "\(r.height)x\(r.width)".padding(toLength: 10, withPad: " ", startingAt: 0)
            print(r.name.padding(toLength: 10, withPad: " ", startingAt: 0) + " " + input + " "
                  + String(r.classes).padding(toLength: 8, withPad: " ", startingAt: 0) + " "
                  + m(r.params).padding(toLength: 9, withPad: " ", startingAt: 0) + " "
                  + m(r.paperParams).padding(toLength: 9, withPad: " ", startingAt: 0) + " "
                  + g(r.macs).padding(toLength: 8, withPad: " ", startingAt: 0) + " "
                  + (r.paperMACs.map(g) ?? "-").padding(toLength: 9, withPad: " ", startingAt: 0) + " "
                  + g(2 * r.macs))
        }
        if let d = detail, let v = Variant(name: d) {
            print("")
            for line in ModelBreakdown.lines(v, classes: classes, height: height, width: width, depth: depth) { print(line) }
        }
        print("MACs count every op that runs (conv, BN, pooling, resize, add); FLOPs = 2 x MACs. Paper \"FLOPs\" read as MACs.")
    }
}
