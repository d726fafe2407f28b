import ArgumentParser
import Foundation
import HardEngine
import HardModels
import HardTrain

struct BenchTrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-train",
        abstract: "Training speed: one iteration (forward, Eq. 7 losses with auxiliary heads, backward, AdamW) on a fixed batch.",
        discussion: """
        No data loading is timed: one random batch is made once. Two warm-up iterations, then \
        the median of --iterations timed ones.

        Example: hard bench-train --model hard-xxs --batch-size 8 --height 360 --width 640 --threads 2 --json
        """)

    @Option(help: "Variant: hard-gpu, hard-s, hard-xs, hard-xxs, hard-edge.") var model = "hard-xxs"
    @Option(parsing: .unconditional, help: "Class count (\(Zoo.classRange.lowerBound)...\(Zoo.classRange.upperBound)).") var classes = 19
    @Option(name: .customLong("batch-size"), parsing: .unconditional, help: "Images per batch (1...4096).") var batchSize = 8
    @Option(parsing: .unconditional, help: "Crop height (16...16384).") var height = 360
    @Option(parsing: .unconditional, help: "Crop width (16...16384).") var width = 640
    @Option(parsing: .unconditional, help: "Threads: 1 to 4 per core, at most 1024.") var threads = ProcessInfo.processInfo.activeProcessorCount
    @Option(parsing: .unconditional, help: "Timed iterations (1...1000).") var iterations = 5
    @Flag(help: "Print JSON: {model, batch, height, width, threads, ms_per_iteration, images_per_second, iterations}.") var json = false

    func validate() throws {
        try checked {
            _ = try ModelChoice.variant(model)
            try ModelChoice.checkClasses(classes)
            try OptionValues.count(batchSize, "--batch-size", maximum: 4096)
            try OptionValues.side(height, "--height")
            try OptionValues.side(width, "--width")
            try OptionValues.threads(threads)
            try OptionValues.count(iterations, "--iterations", maximum: 1000)
        }
    }

    func run() throws {
        do {
            let r = try TrainingBenchmark.run(try ModelChoice.variant(model), classes: classes, batch: batchSize, height: height,
                                              width: width, threads: threads, iterations: iterations)
            if json {
                let e = JSONEncoder()
                e.outputFormatting = [.sortedKeys]
                print(String(decoding: try e.encode(r), as: UTF8.self))
            } else {
                print(String(format: "%@ training, batch %d of %dx%d, FP32, %d threads: median %.1f ms per iteration (%.2f images/s) over %d iterations",
                             r.model, r.batch, r.height, r.width, r.threads, r.msPerIteration, r.imagesPerSecond, r.iterations))
            }
        } catch {
            throw fail(error)
        }
    }
}
