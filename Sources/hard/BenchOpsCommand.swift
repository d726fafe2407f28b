import ArgumentParser
import HardEngine

struct BenchOpsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bench-ops", abstract: "Time each engine op (placeholder)")
    func run() throws {}
}
