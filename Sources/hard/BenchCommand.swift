import ArgumentParser
import Foundation
import HardDeploy
import HardEngine
import HardModels

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Inference speed with the field's protocol: batch 1, FP32, BN folded, 10 warm-ups, median latency.",
        discussion: """
        Times one forward pass of a variant at the given input size (logits at the input's \
        resolution; --include-postprocess adds the argmax). Reports the median latency over \
        runs lasting at least --seconds, and FPS = 1000 / median.

        Example: hard bench --model hard-xxs --height 360 --width 640 --threads 2 --json
        """)

    @OptionGroup var modelOptions: ModelOptions
    @Option(parsing: .unconditional, help: "Input height (16...16384).") var height = 360
    @Option(parsing: .unconditional, help: "Input width (16...16384).") var width = 640
    @Option(help: "Threads (oneDNN and the engine's kernels): 1 to 4 per core, at most 1024.") var threads = ProcessInfo.processInfo.activeProcessorCount
    @Option(parsing: .unconditional, help: "Timed seconds (at least; above 0, at most 3600).") var seconds = 5.0
    @Option(parsing: .unconditional, help: "Warm-up passes (0...100000).") var warmup = 10
    @Flag(name: .customLong("include-postprocess"), help: "Include the argmax to a class map.") var includePostprocess = false
    @Flag(help: "Print JSON: {model, height, width, threads, latency_ms, fps}.") var json = false
    @Flag(help: "Also print the time of every step of the inference plan (10 runs).") var profile = false

    func validate() throws {
        try modelOptions.requireModelOrCheckpoint()
        try checked {
            try OptionValues.side(height, "--height")
            try OptionValues.side(width, "--width")
            try OptionValues.threads(threads)
            try OptionValues.positive(seconds, "--seconds", maximum: 3600)
            try OptionValues.count(warmup, "--warmup", minimum: 0, maximum: 100_000)
        }
    }

    func run() throws {
        do {
            let net = try modelOptions.make(defaultClasses: 19)
            if profile {
                EngineThreads.set(threads)
                let plan = try BlockedInference(graph: Graph.trace(net, height: height, width: width))
                let steps = try plan.profile(Tensor.zeros([1, 3, height, width]), runs: 10)
                for (name, ms) in steps { print(String(format: "%8.3f ms  %@", ms, name)) }
                print(String(format: "%8.3f ms  total", steps.reduce(0) { $0 + $1.ms }))
                print(String(format: "activations: %.1f MB shared arena (one buffer per value: %.1f MB) + %.1f MB separate",
                             Double(plan.sharedBytes) / 1e6, Double(plan.unsharedBytes) / 1e6, Double(plan.separateBytes) / 1e6))
            }
            let r = try InferenceBenchmark.run(net, height: height, width: width, threads: threads, warmup: warmup, seconds: seconds,
                                           includePostprocess: includePostprocess)
            if json {
                let e = JSONEncoder()
                e.outputFormatting = [.sortedKeys]
                print(String(decoding: try e.encode(r), as: UTF8.self))
            } else {
                print(String(format: "%@ %dx%d, batch 1, FP32, %d threads%@: median %.2f ms (%.1f FPS) over %d runs",
                             r.model, r.height, r.width, r.threads, r.includesPostprocess ? ", with argmax" : "", r.latencyMs, r.fps, r.runs))
            }
        } catch {
            throw fail(error)
        }
    }
}
