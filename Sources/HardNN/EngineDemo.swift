import Foundation
import HardEngine

/// A small end-to-end run of the engine, used by `make demo` until the HARD training
/// pipeline lands: a 4-layer conv net learns to segment coloured rectangles on a noisy
/// background (4 classes), with AdamW and the paper's warm-up + cosine schedule.
public enum EngineDemo {
    public struct Result: Sendable {
        public let firstLoss: Float
        public let lastLoss: Float
        public let validationPixelAccuracy: Double
        public let iterations: Int
        public let seconds: Double
    }

    /// One image (3, h, w) and its labels (h, w): background 0, rectangles of class 1...3,
    /// each class with its own hue but random brightness, plus Gaussian noise.
    static func sample(_ rng: inout SeededGenerator, h: Int, w: Int) -> ([Float], [Int32]) {
        var image = [Float](repeating: 0, count: 3 * h * w)
        var labels = [Int32](repeating: 0, count: h * w)
        let hues: [[Float]] = [[0.2, 0.2, 0.2], [0.9, 0.2, 0.2], [0.2, 0.8, 0.3], [0.3, 0.3, 0.9]]
        for i in 0..<(h * w) { for c in 0..<3 { image[c * h * w + i] = hues[0][c] } }
        for _ in 0..<4 {
            let cls = 1 + Int(rng.next() % 3)
            let rh = 4 + Int(rng.next() % UInt64(h / 2)), rw = 4 + Int(rng.next() % UInt64(w / 2))
            let y0 = Int(rng.next() % UInt64(h - rh)), x0 = Int(rng.next() % UInt64(w - rw))
            let brightness = rng.uniform(0.6, 1.2)
            for y in y0..<(y0 + rh) {
                for x in x0..<(x0 + rw) {
                    labels[y * w + x] = Int32(cls)
                    for c in 0..<3 { image[c * h * w + y * w + x] = hues[cls][c] * brightness }
                }
            }
        }
        for i in 0..<image.count { image[i] += 0.15 * rng.normal() }
        return (image, labels)
    }

    static func batch(_ rng: inout SeededGenerator, n: Int, h: Int, w: Int) -> (Tensor, Labels) {
        var images: [Float] = [], labels: [Int32] = []
        for _ in 0..<n {
            let (i, l) = sample(&rng, h: h, w: w)
            images += i
            labels += l
        }
        return (Tensor(shape: [n, 3, h, w], data: images), Labels(shape: [n, h, w], values: labels))
    }

    public static func run(iterations: Int = 150, log: (String) -> Void = { print($0) }) -> Result {
        var rng = SeededGenerator(seed: 2024)
        let net = Sequential([
            Conv2d(3, 16, kernel: 3, stride: 2, generator: &rng), BatchNorm2d(16), ReLU6(),
            Conv2d(16, 16, kernel: 3, dilation: 2, groups: 16, generator: &rng), BatchNorm2d(16), ReLU6(),
            Conv2d(16, 32, kernel: 1, generator: &rng), BatchNorm2d(32), ReLU6(),
            Conv2d(32, 4, kernel: 1, generator: &rng), Upsample(factor: 2),
        ])
        let optimizer = AdamW(parameters: net.parameters(), weightDecay: 1e-4)
        let schedule = WarmupCosineSchedule(peak: 1e-2, warmupIterations: iterations / 10, totalIterations: iterations)
        let start = Date()
        var first: Float = 0, last: Float = 0
        for i in 0..<iterations {
            let (x, y) = batch(&rng, n: 8, h: 48, w: 64)
            optimizer.learningRate = schedule.learningRate(at: i)
            let loss = crossEntropy(net(x), y)
            loss.backward()
            optimizer.update()
            if i == 0 { first = loss.scalar }
            last = loss.scalar
            if i % 25 == 0 || i == iterations - 1 {
                log(String(format: "  iter %4d  loss %.4f  lr %.2e", i, loss.scalar, optimizer.learningRate))
            }
        }
        net.eval()
        var validation = SeededGenerator(seed: 99)
        var correct = 0, total = 0
        withNoGrad {
            for _ in 0..<4 {
                let (x, y) = batch(&validation, n: 8, h: 48, w: 64)
                let logits = net(x)
                let (n, c, h, w) = logits.nchw
                for b in 0..<n {
                    for p in 0..<(h * w) {
                        var best = 0
                        for ch in 1..<c where logits.pointer[(b * c + ch) * h * w + p] > logits.pointer[(b * c + best) * h * w + p] { best = ch }
                        if Int32(best) == y.values[b * h * w + p] { correct += 1 }
                        total += 1
                    }
                }
            }
        }
        return Result(firstLoss: first, lastLoss: last, validationPixelAccuracy: Double(correct) / Double(total),
                      iterations: iterations, seconds: Date().timeIntervalSince(start))
    }
}
