import ArgumentParser
import Foundation
import HardDeploy
import HardEngine

/// `hard mcu fit`: HARD-Edge sized to a latency budget on a board (`McuFit`).
struct McuFitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fit",
        abstract: "Size HARD-Edge to a latency budget: rank widths and depths by the Cortex-M7 cycle model, train the best few, print the Pareto table.",
        discussion: """
        Candidates: HARD-Edge with its widths times each --widths value, its last encoder stage \
        --stage-blocks deep and --sa-blocks SA blocks. Each is quantized with seeded weights, run \
        in the firmware under qemu and priced by the cycle model (`hard mcu cycles`); those within \
        --budget-ms, --flash and --sram are ranked by MACs and the --train largest are trained on \
        the config's data (default: SynthStreets at the input size, configs/synthstreets-edge.yaml's \
        recipe), then quantized and measured again. Writes OUTPUT/fit.json, OUTPUT/fit.md (the \
        table) and OUTPUT/chosen.yaml, a training config with the chosen `architecture`.

        Example:
          hard mcu fit --budget-ms 30.1 --mhz 216 --flash 1M --sram 320K --height 64 --width 64
        """)

    @Option(parsing: .unconditional, help: "Latency budget per inference in milliseconds.") var budgetMs = 30.1
    @Option(parsing: .unconditional, help: "Core clock in MHz.") var mhz = 216.0
    @Option(help: "Flash the model may use (bytes, or with K/M: 1M).") var flash = "1M"
    @Option(help: "SRAM the model may use (bytes, or with K/M: 320K).") var sram = "320K"
    @Option(parsing: .unconditional, help: "Input height (16...1024).") var height = 64
    @Option(parsing: .unconditional, help: "Input width (16...1024).") var width = 64
    @Option(help: "Training config whose data trains and evaluates the candidates.") var config: String?
    @Option(help: "Width multipliers, comma-separated.") var widths = "0.5,0.75,1"
    @Option(help: "Depths of the last encoder stage, comma-separated (1...4).") var stageBlocks = "1,2"
    @Option(help: "SA blocks, comma-separated (1...3).") var saBlocks = "1,2,3"
    @Option(parsing: .unconditional, help: "How many of the largest fitting candidates to train (0: rank only).") var train = 3
    @Option(parsing: .unconditional, help: "Training iterations per candidate (default: the config's).") var iterations: Int?
    @Option(help: "Output directory.") var output: String?
    @Option(help: "The firmware sources (the repository's Firmware/).") var firmware = "Firmware"
    @Flag(help: "Print the report as JSON.") var json = false

    static func bytes(_ text: String, _ flag: String) throws -> Int {
        let t = text.uppercased()
        let (digits, factor) = t.hasSuffix("M") ? (t.dropLast(), 1 << 20) : t.hasSuffix("K") ? (t.dropLast(), 1 << 10) : (Substring(t), 1)
        guard let v = Int(digits), v > 0, v <= (1 << 34) / factor else {
            throw OptionError("\(flag) takes bytes, optionally with K or M (320K, 1M), got '\(text)'")
        }
        return v * factor
    }

    static func list<T: LosslessStringConvertible>(_ text: String, _ flag: String, _ ok: (T) -> Bool) throws -> [T] {
        let values = text.split(separator: ",").map { T(String($0).trimmingCharacters(in: .whitespaces)) }
        guard !values.isEmpty, values.allSatisfy({ $0.map(ok) == true }) else {
            throw OptionError("\(flag) takes a comma-separated list, got '\(text)'")
        }
        return values.map { $0! }
    }

    var settings: McuFit.Settings {
        get throws {
            McuFit.Settings(
                budgetMs: budgetMs, mhz: mhz, flashBytes: try Self.bytes(flash, "--flash"), sramBytes: try Self.bytes(sram, "--sram"),
                height: height, width: width, config: config,
                widths: try Self.list(widths, "--widths") { (w: Double) in w >= 0.25 && w <= 2 },
                stageBlocks: try Self.list(stageBlocks, "--stage-blocks") { (b: Int) in (1...4).contains(b) },
                saBlocks: try Self.list(saBlocks, "--sa-blocks") { (b: Int) in (1...3).contains(b) },
                train: train, iterations: iterations, output: output ?? "runs/mcu-fit-\(height)x\(width)", firmware: firmware)
        }
    }

    func validate() throws {
        try checked {
            try OptionValues.positive(budgetMs, "--budget-ms", maximum: 1e6)
            try OptionValues.positive(mhz, "--mhz", maximum: 10_000)
            try OptionValues.count(height, "--height", minimum: 16, maximum: 1024)
            try OptionValues.count(width, "--width", minimum: 16, maximum: 1024)
            try OptionValues.count(train, "--train", minimum: 0, maximum: 100)
            if let iterations { try OptionValues.count(iterations, "--iterations", maximum: 10_000_000) }
            if let output, output.isEmpty { throw OptionError("--output must name a folder") }
            _ = try settings
        }
    }

    func run() throws {
        do {
            let log: (String) -> Void = { line in if !json { print(line) } }
            let report = try McuFit.run(try settings, log: log)
            if json {
                print(String(decoding: try McuPipeline.reportJSON(report), as: UTF8.self))
            } else {
                print("")
                print(McuFit.table(report), terminator: "")
            }
        } catch {
            throw fail(error)
        }
    }
}
