import ArgumentParser
import Foundation
import HardEngine
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

    @Option(parsing: .unconditional, help: "Override the class count for every variant.")
    var classes: Int?

    @Option(parsing: .unconditional, help: "Override the input height (with --width).")
    var height: Int?

    @Option(parsing: .unconditional, help: "Override the input width (with --height).")
    var width: Int?

    @Option(help: "Also print MACs and parameters per module for this variant (e.g. hard-xxs).")
    var detail: String?

    @Option(parsing: .unconditional, help: "Module depth for --detail (1 = top-level modules; at most 32).")
    var depth = 2

    func validate() throws {
        try checked {
            if let d = detail { _ = try ModelChoice.variant(d, "--detail") }
            if (height == nil) != (width == nil) { throw OptionError("give --height and --width together") }
            if let h = height { try OptionValues.side(h, "--height") }
            if let w = width { try OptionValues.side(w, "--width") }
            if let c = classes { try ModelChoice.checkClasses(c) }
            try OptionValues.count(depth, "--depth", maximum: 32)
        }
    }

    func run() throws {
        let rows: [ModelSummary]
        do {
            rows = try Variant.allCases.map { try ModelSummary.measure($0, classes: classes, height: height, width: width) }
                + Zoo.namedModels.map { try ModelSummary.measure($0, classes: classes, height: height, width: width) }
        } catch {
            throw fail(error)
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(rows), as: UTF8.self))
            return
        }
        func m(_ v: Int) -> String { String(format: "%.3fM", Double(v) / 1e6) }
        func g(_ v: Int) -> String { v < 100_000_000 ? String(format: "%.1fM", Double(v) / 1e6) : String(format: "%.2fG", Double(v) / 1e9) }
        print("name          input      classes  params    (paper)   MACs     (paper)   FLOPs")
        for r in rows {
            let input = "\(r.height)x\(r.width)".padding(toLength: 10, withPad: " ", startingAt: 0)
            print(r.name.padding(toLength: 13, withPad: " ", startingAt: 0) + " " + input + " "
                  + String(r.classes).padding(toLength: 8, withPad: " ", startingAt: 0) + " "
                  + m(r.params).padding(toLength: 9, withPad: " ", startingAt: 0) + " "
                  + (r.paperParams.map(m) ?? "-").padding(toLength: 9, withPad: " ", startingAt: 0) + " "
                  + g(r.macs).padding(toLength: 8, withPad: " ", startingAt: 0) + " "
                  + (r.paperMACs.map(g) ?? "-").padding(toLength: 9, withPad: " ", startingAt: 0) + " "
                  + g(2 * r.macs))
        }
        if let d = detail, let (v, architecture) = Zoo.resolve(d) {
            print("")
            do {
                for line in try ModelBreakdown.lines(v, classes: classes, height: height, width: width, depth: depth, architecture: architecture) { print(line) }
            } catch {
                throw fail(error)
            }
        }
        print("MACs count every op that runs (conv, BN, pooling, resize, add); FLOPs = 2 x MACs. Paper \"FLOPs\" read as MACs.")
    }
}
