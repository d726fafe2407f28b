import Foundation

/// Times each op, forward and forward + backward, at shapes HARD runs, on both backends.
/// A benchmark, not a test: numbers depend on the machine and its load; compare the
/// ratio of the two backends measured side by side in one run.
public enum OpBenchmark {
    public struct Case: Sendable {
        public let name: String
        public let shape: String
        let isConvolution: Bool
        let makeInputs: @Sendable (inout SeededGenerator) -> [Tensor]
        let apply: @Sendable ([Tensor]) -> Tensor
    }

    public struct Row: Sendable {
        public let name: String
        public let shape: String
        public let isConvolution: Bool
        /// Median milliseconds by backend: (forward, forward + backward).
        public let timings: [Backend: (forward: Double, training: Double)]
    }

    static func uniform(_ shape: [Int], _ rng: inout SeededGenerator) -> Tensor {
        Tensor.uniform(shape, low: -1, high: 1, generator: &rng)
    }

    static func conv(_ name: String, x: [Int], w: [Int], _ g: Conv2dGeometry) -> Case {
        Case(name: name, shape: "x \(x.map(String.init).joined(separator: "x")), w \(w.map(String.init).joined(separator: "x")), \(g)",
             isConvolution: true,
             makeInputs: { rng in [uniform(x, &rng), uniform(w, &rng), uniform([w[0]], &rng)] },
             apply: { t in conv2d(t[0], weight: t[1], bias: t[2], geometry: g) })
    }

    static func unary(_ name: String, _ x: [Int], _ f: @escaping @Sendable (Tensor) -> Tensor) -> Case {
        Case(name: name, shape: "x \(x.map(String.init).joined(separator: "x"))", isConvolution: false,
             makeInputs: { rng in [uniform(x, &rng)] }, apply: { t in f(t[0]) })
    }

    /// HARD-like shapes: 1/8 of 360x640 is 45x80; a training batch of 8 at 1/4 is 90x160.
    public static let cases: [Case] = {
        var c: [Case] = []
        c.append(conv("depthwise 3x3 dilated", x: [1, 64, 45, 80], w: [64, 1, 3, 3], Conv2dGeometry(stride: 1, padding: 2, dilation: 2, groups: 64)))
        c.append(conv("depthwise 3x3 dilated (batch 8)", x: [8, 64, 45, 80], w: [64, 1, 3, 3], Conv2dGeometry(stride: 1, padding: 6, dilation: 6, groups: 64)))
        c.append(conv("pointwise 1x1", x: [8, 32, 90, 160], w: [32, 32, 1, 1], Conv2dGeometry()))
        c.append(conv("pointwise 1x1 expand", x: [1, 24, 45, 80], w: [144, 24, 1, 1], Conv2dGeometry()))
        c.append(conv("3x3 stride 2", x: [1, 16, 180, 320], w: [32, 16, 3, 3], Conv2dGeometry(stride: 2, padding: 1)))
        c.append(conv("3x3", x: [1, 64, 45, 80], w: [64, 64, 3, 3], Conv2dGeometry(padding: 1)))
        c.append(Case(name: "batch norm (train)", shape: "x 8x32x90x160", isConvolution: false, makeInputs: { rng in
            [uniform([8, 32, 90, 160], &rng), Tensor.ones([32]), Tensor.zeros([32])]
        }, apply: { t in batchNorm(t[0], gamma: t[1], beta: t[2], runningMean: Tensor.zeros([32]), runningVar: Tensor.ones([32]), training: true) }))
        c.append(unary("relu6", [8, 32, 90, 160], relu6))
        c.append(unary("bilinear resize 45x80 -> 360x640", [1, 19, 45, 80]) { resizeBilinear($0, height: 360, width: 640) })
        c.append(unary("max pool 3x3 s2", [8, 32, 90, 160]) { maxPool2d($0, Pool2dGeometry(kernel: 3, stride: 2, padding: 1)) })
        c.append(unary("avg pool 5x5 s5", [8, 64, 45, 80]) { avgPool2d($0, Pool2dGeometry(kernel: 5, stride: 5)) })
        c.append(unary("global avg pool", [8, 128, 12, 20], globalAvgPool))
        c.append(Case(name: "concat 3 inputs", shape: "3 x 8x32x45x80", isConvolution: false, makeInputs: { rng in
            [uniform([8, 32, 45, 80], &rng), uniform([8, 32, 45, 80], &rng), uniform([8, 32, 45, 80], &rng)]
        }, apply: { t in concatChannels(t) }))
        let benchLabels = Labels(shape: [8, 90, 160], values: (0..<(8 * 90 * 160)).map { (i: Int) -> Int32 in
            i % 12 == 11 ? 255 : Int32(i % 11)
        })
        c.append(Case(name: "cross-entropy", shape: "logits 8x11x90x160", isConvolution: false, makeInputs: { rng in
            [uniform([8, 11, 90, 160], &rng)]
        }, apply: { t in crossEntropy(t[0], benchLabels) }))
        return c
    }()

    /// Median of `repetitions` timed runs after `warmup` untimed ones, in milliseconds.
    static func medianMilliseconds(warmup: Int, repetitions: Int, _ body: () -> Void) -> Double {
        for _ in 0..<warmup { body() }
        var samples: [Double] = []
        for _ in 0..<repetitions {
            let start = DispatchTime.now().uptimeNanoseconds
            body()
            samples.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
        }
        samples.sort()
        return samples[samples.count / 2]
    }

    /// Runs every case on each backend. The reference backend is slow: it gets fewer runs.
    public static func run(quick: Bool = false, progress: (String) -> Void = { _ in }) -> [Row] {
        cases.map { c in
            var rng = SeededGenerator(seed: 11)
            let inputs = c.makeInputs(&rng)
            var timings: [Backend: (Double, Double)] = [:]
            for backend in Backend.allCases where backend == .reference || OneDNN.isAvailable {
                let fast = backend == .onednn
                let (warmup, reps) = fast ? (quick ? 2 : 5, quick ? 5 : 20) : (quick ? 0 : 1, quick ? 1 : 3)
                progress("\(c.name) on \(backend)")
                let forward = Backend.with(backend) {
                    medianMilliseconds(warmup: warmup, repetitions: reps) { _ = withNoGrad { c.apply(inputs) } }
                }
                let leaves = inputs.map { t -> Tensor in let l = t.detached(); l.requiresGrad = true; return l }
                let training = Backend.with(backend) {
                    medianMilliseconds(warmup: warmup, repetitions: reps) {
                        let out = c.apply(leaves)
                        out.backward(seed: Tensor.ones(out.shape))
                        leaves.forEach { $0.zeroGrad() }
                    }
                }
                timings[backend] = (forward, training)
            }
            return Row(name: c.name, shape: c.shape, isConvolution: c.isConvolution, timings: timings)
        }
    }

    /// The results as a Markdown table with the conditions they were measured under.
    public static func markdown(_ rows: [Row], conditions: String) -> String {
        var lines = [conditions, "",
                     "| op | shape | reference fwd (ms) | fast fwd (ms) | reference fwd+bwd (ms) | fast fwd+bwd (ms) | speed-up fwd+bwd |",
                     "| --- | --- | ---: | ---: | ---: | ---: | ---: |"]
        for r in rows {
            let ref = r.timings[.reference], dnn = r.timings[.onednn]
            func f(_ v: Double?) -> String { v.map { String(format: "%.2f", $0) } ?? "-" }
            let speedup = (ref != nil && dnn != nil) ? String(format: "%.1fx", ref!.training / dnn!.training) : "-"
            lines.append("| \(r.name) | \(r.shape) | \(f(ref?.forward)) | \(f(dnn?.forward)) | \(f(ref?.training)) | \(f(dnn?.training)) | \(speedup) |")
        }
        return lines.joined(separator: "\n")
    }
}
