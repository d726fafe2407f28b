import ArgumentParser
import Foundation
import HardEngine

@main
struct HardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hard",
        abstract: "HARD real-time semantic segmentation, from GPU to microcontroller.",
        discussion: """
        Start with `hard doctor` to check the install (every op of the engine against plain-Swift \
        reference kernels and finite differences), then `hard demo` for the whole job on the \
        built-in synthetic street scenes: train, evaluate, report. `hard <command> --help` explains each.
        """,
        subcommands: [DemoCommand.self, TrainCommand.self, EvalCommand.self, SegmentCommand.self, ModelsCommand.self, McuCommand.self,
                      ExportCommand.self, RenderSynthCommand.self, BenchCommand.self, BenchTrainCommand.self, DoctorCommand.self, BenchOpsCommand.self, DemoEngineCommand.self,
                      ReportCommand.self]
    )

    /// Refuses an argument that is not UTF-8 before parsing: Swift would replace its bad bytes
    /// and `--output out\xFF` would be written to another folder.
    static func main() {
        do { try FileName.checkArguments(rawArguments()) } catch {
            _ = fail(error)
            Foundation.exit(1)
        }
        main(nil)
    }
}
