import ArgumentParser
import Foundation
import HardEngine
import HardNN

struct DemoEngineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo-engine",
        abstract: "Train a small conv net on synthetic rectangles end to end (engine smoke run).")

    @Option(parsing: .unconditional, help: "Training iterations (batch 8 of 48x64 images; 1...1000000).")
    var iterations = 150

    func validate() throws {
        try checked { try OptionValues.count(iterations, "--iterations", maximum: 1_000_000) }
    }

    func run() throws {
        print("engine demo: backend \(Backend.current), oneDNN \(OneDNN.version) (\(OneDNN.isa))")
        let r = EngineDemo.run(iterations: iterations)
        print(String(format: "trained %d iterations in %.1f s: loss %.3f -> %.3f, validation pixel accuracy %.1f%%",
                     r.iterations, r.seconds, r.firstLoss, r.lastLoss, 100 * r.validationPixelAccuracy))
    }
}
