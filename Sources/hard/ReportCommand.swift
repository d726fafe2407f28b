import ArgumentParser
import Foundation
import HardTrain

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write one self-contained HTML page about a run folder.",
        discussion: """
        Learning curves from train.jsonl, the conditions (the configuration in \
        checkpoint.safetensors, training speed, evaluation set and timing), mIoU / mAcc / mDice / \
        fwIoU, per-class IoU bars, the confusion heat map (from metrics.json or eval/metrics.json, \
        as `hard eval --output` writes them) and the overlays in overlays/. Charts are inline SVG and \
        images data URIs: the page needs no network and no script.

        Example: hard eval --checkpoint runs/x/best.safetensors --output runs/x/eval && hard report runs/x
        """
    )

    @Argument(help: "The run folder (hard train's --output, or hard eval's --output).") var runDir: String
    @Option(help: "The page to write (default: RUN_DIR/report.html).") var output: String?

    func run() throws {
        do {
            print("wrote \(try RunReport.write(runDir, to: output))")
        } catch {
            throw fail(error)
        }
    }
}
