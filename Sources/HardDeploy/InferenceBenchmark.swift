import Foundation
import HardEngine
import HardModels

/// The field's speed protocol (DDRNet, PIDNet, SCTNet scripts): batch 1, FP32, eval mode,
/// BN folded, 10 warm-up passes, then timed passes for at least `seconds`; the median
/// latency. The model's output is the logits at the input resolution (HARD's final
/// interpolation is part of every variant); `includePostprocess` adds the argmax to a
/// class map.
public enum InferenceBenchmark {
    public struct Result: Codable, Sendable {
        public let model: String
        public let height: Int
        public let width: Int
        public let threads: Int
        public let latencyMs: Double
        public let fps: Double
        public let runs: Int
        public let includesPostprocess: Bool

        enum CodingKeys: String, CodingKey {
            case model, height, width, threads, fps, runs
            case latencyMs = "latency_ms"
            case includesPostprocess = "includes_postprocess"
        }
    }

    public static func run(_ model: HARDNetwork, height: Int, width: Int, threads: Int, warmup: Int = 10,
                           seconds: Double = 5, includePostprocess: Bool = false) throws -> Result {
        // The memory the size needs is checked first (MemoryEstimate) and a size that cannot
        // fit throws; a graph the plan cannot run is an error too, never a silent switch to
        // the slower op-by-op path under the same figure.
        try MemoryEstimate.check(.inference, variant: model.variant, classes: model.classes, height: height, width: width)
        let plan = try BlockedInference(graph: Graph.trace(model, height: height, width: width))
        EngineThreads.set(threads)
        var rng = SeededGenerator(seed: 1)
        let x = Tensor.normal([1, 3, height, width], generator: &rng)
        // One output tensor for all passes, as a camera loop would keep it.
        let out = Tensor.zeros(plan.outputShape)
        func once() throws {
            try plan.run(x, into: out)
            if includePostprocess { _ = argmax(out) }
        }
        for _ in 0..<warmup { try once() }
        var samples: [Double] = []
        let start = DispatchTime.now().uptimeNanoseconds
        while samples.count < 3 || Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 < seconds {
            let t0 = DispatchTime.now().uptimeNanoseconds
            try once()
            samples.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
        }
        samples.sort()
        let median = samples[samples.count / 2]
        return Result(model: model.variant.rawValue, height: height, width: width, threads: threads, latencyMs: median,
                      fps: 1000 / median, runs: samples.count, includesPostprocess: includePostprocess)
    }

    /// Class index per pixel of (1, C, H, W) logits.
    static func argmax(_ logits: Tensor) -> [UInt8] {
        let (_, c, h, w) = logits.nchw
        var best = [UInt8](repeating: 0, count: h * w), value = [Float](repeating: -.infinity, count: h * w)
        for ch in 0..<c {
            let plane = logits.pointer + ch * h * w
            for i in 0..<(h * w) where plane[i] > value[i] { value[i] = plane[i]; best[i] = UInt8(truncatingIfNeeded: ch) }
        }
        return best
    }
}
