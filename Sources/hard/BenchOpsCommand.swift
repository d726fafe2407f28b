import ArgumentParser
import Foundation
import HardEngine

struct BenchOpsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-ops",
        abstract: "Time every engine op, forward and forward+backward, on the reference and oneDNN backends.",
        discussion: """
        Shapes are those HARD runs (1/8 of 360x640 is 45x80; training batches of 8). Each \
        figure is the median of repeated runs after warm-up; the reference backend is plain \
        single-threaded Swift and gets fewer runs. oneDNN threads follow OMP_NUM_THREADS.
        """
    )

    @Flag(help: "Fewer repetitions (for a quick look, e.g. in `make demo`).")
    var quick = false

    @Option(help: "Write the table into this Markdown file, between the bench-ops markers (replacing an earlier table).")
    var output: String?

    func run() throws {
        let rows = OpBenchmark.run(quick: quick) { FileHandle.standardError.write(Data("  timing \($0)\n".utf8)) }
        let conditions = BenchConditions.describe() + ", \(quick ? "quick" : "full") run"
        let table = OpBenchmark.markdown(rows, conditions: conditions)
        print(table)
        if let output {
            do { try MarkdownSection.replace(in: output, marker: "bench-ops", with: table) } catch { throw fail(error) }
        }
    }
}
