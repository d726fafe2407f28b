import ArgumentParser
import Foundation
import HardEngine
import HardTrain

struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Train HARD-XXS on SynthStreets, evaluate it against a colour-only baseline, write a report.",
        discussion: "This is what `make demo` runs (about ten minutes on two cores). Everything lands in --output.")

    @Option(parsing: .unconditional, help: "Training iterations (1...10000000).") var iterations = 800
    @Option(help: "Output folder.") var output = "runs/demo"

    func validate() throws {
        try checked {
            try OptionValues.count(iterations, "--iterations", maximum: 10_000_000)
            if output.isEmpty { throw OptionError("--output must name a folder") }
        }
    }

    func run() throws {
        var s = DemoRun.Settings()
        s.iterations = iterations
        s.output = output
        do {
            let o = try DemoRun.run(s)
            print(String(format: "\nHARD-XXS validation mIoU %.2f (pixel accuracy %.2f); colour-only baseline mIoU %.2f",
                         100 * o.result.miou, 100 * o.result.pixelAccuracy, 100 * o.baseline.miou))
            print("report:   \(output)/report.html (one page: open it in a browser); \(o.reportPath)")
            print("overlays: \(output)/overlays/")
            print("curves:   \(output)/loss.svg, \(output)/miou.svg")
            print(String(format: "took %.0f s", o.seconds))
        } catch {
            throw fail(error)
        }
    }
}
