import ArgumentParser

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
                      ExportCommand.self, BenchCommand.self, DoctorCommand.self, BenchOpsCommand.self, DemoEngineCommand.self]
    )
}
