import ArgumentParser

@main
struct HardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hard",
        abstract: "HARD real-time semantic segmentation, from GPU to microcontroller.",
        discussion: """
        Start with `hard doctor` to check the install: it verifies every op of the engine \
        on oneDNN against the plain-Swift reference kernels and against finite differences.
        """,
        subcommands: [DoctorCommand.self, BenchOpsCommand.self, DemoEngineCommand.self, ModelsCommand.self, TrainCommand.self, EvalCommand.self, SegmentCommand.self, DemoCommand.self, ExportCommand.self, BenchCommand.self]
    )
}
