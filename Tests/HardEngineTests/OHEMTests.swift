import XCTest
@testable import HardEngine

/// OHEM cross-entropy: the hard-pixel selection, and the loss and gradient equal to the plain
/// cross-entropy with the pixels OHEM drops marked ignored.
final class OHEMTests: XCTestCase {
    func testSelectFindsTheValueAtEveryRank() {
        var generator = SeededGenerator(seed: 7)
        let values = (0..<501).map { _ in Float(Int.random(in: 0..<60, using: &generator)) / 7 }   // many ties
        let sorted = values.sorted()
        for rank in [0, 1, 17, 250, 499, 500] {
            var copy = values
            XCTAssertEqual(OHEM.select(&copy, rank: rank), sorted[rank], "rank \(rank)")
        }
    }

    func testBoundIsTheThresholdWhenEnoughPixelsAreBelowIt() {
        var p: [Float] = [0.1, 0.2, 0.3, 0.8, 0.9, 0.95]
        XCTAssertEqual(OHEM(threshold: 0.7, minKept: 3).bound(&p), 0.7)
        // Only three below 0.7 but five wanted: the bound rises to the value at rank 5.
        var q: [Float] = [0.1, 0.2, 0.3, 0.8, 0.9, 0.95]
        XCTAssertEqual(OHEM(threshold: 0.7, minKept: 5).bound(&q), 0.95)
        // More wanted than there are: rank n - 1 (DDRNet's rule).
        var r: [Float] = [0.9, 0.8]
        XCTAssertEqual(OHEM(threshold: 0.5, minKept: 10).bound(&r), 0.9)
    }

    func testLossAndGradientEqualCrossEntropyOverTheKeptPixels() {
        var generator = SeededGenerator(seed: 3)
        let (n, c, h, w) = (2, 4, 3, 5)
        let logits = Tensor.normal([n, c, h, w], std: 2, generator: &generator)
        var values = (0..<(n * h * w)).map { _ in Int32.random(in: 0..<Int32(c), using: &generator) }
        values[4] = 255; values[11] = 255
        let labels = Labels(shape: [n, h, w], values: values)
        let weights: [Float] = [0.5, 1, 2, 1.5]
        let ohem = OHEM(threshold: 0.3, minKept: 12)

        // Expected: the probabilities of the true class, the bound by hand, the rest ignored.
        let logProbs = CrossEntropyReference.logSoftmax(logits)
        var probability = [Float](repeating: 2, count: values.count)
        for b in 0..<n { for p in 0..<(h * w) where values[b * h * w + p] != 255 {
            probability[b * h * w + p] = expf(logProbs.pointer[(b * c + Int(values[b * h * w + p])) * h * w + p])
        } }
        let valid = probability.filter { $0 <= 1 }.sorted()
        let below = valid.filter { $0 < 0.3 }.count
        let bound = below >= 12 ? Float(0.3) : max(0.3, valid[min(12, valid.count - 1)])
        let kept = Labels(shape: labels.shape, values: zip(values, probability).map { $0.1 < bound ? $0.0 : 255 })
        XCTAssertLessThan(kept.values.filter { $0 != 255 }.count, 28, "the test must drop some pixels")
        XCTAssertGreaterThanOrEqual(kept.values.filter { $0 != 255 }.count, 12)

        for backend in [Backend.reference, .onednn] where backend == .reference || OneDNN.isAvailable {
            Backend.with(backend) {
                let a = Tensor(shape: logits.shape, data: logits.toArray(), requiresGrad: true)
                let b = Tensor(shape: logits.shape, data: logits.toArray(), requiresGrad: true)
                let mined = crossEntropy(a, labels, classWeights: weights, ohem: ohem)
                let plain = crossEntropy(b, kept, classWeights: weights)
                mined.backward(); plain.backward()
                XCTAssertEqual(mined.scalar, plain.scalar, accuracy: 1e-6, "\(backend)")
                XCTAssertGreaterThan(mined.scalar, crossEntropy(logits, labels, classWeights: weights).scalar,
                                     "the hard pixels cost more than the average one")
                for (x, y) in zip(a.grad!.toArray(), b.grad!.toArray()) { XCTAssertEqual(x, y, accuracy: 1e-6) }
            }
        }
    }
}
