import Foundation

// Softmax cross-entropy over NCHW logits (Eq. 6 of the paper), with an ignore index and
// optional class weights, PyTorch's reduction="mean":
//   loss = sum_{valid p} w[y_p] * -log softmax(x_p)[y_p] / sum_{valid p} w[y_p].
// One deliberate difference: when every pixel is ignored PyTorch returns NaN (0/0); we
// return 0 with a zero gradient, so one fully-ignored crop cannot poison a training run.

/// Integer class labels of shape (N, H, W); `ignoreIndex` (255 by default) marks pixels
/// that take no part in the loss or the metrics.
public struct Labels: Sendable {
    public let shape: [Int]
    public var values: [Int32]

    public init(shape: [Int], values: [Int32]) {
        precondition(shape.count == 3, "labels must be (N, H, W), got \(shape)")
        precondition(values.count == shape.reduce(1, *), "\(values.count) labels for shape \(shape)")
        self.shape = shape
        self.values = values
    }
}

/// Online hard example mining (OHEM) for the cross-entropy, as DDRNet and PIDNet train: of
/// the valid pixels, only those whose softmax probability of the true class is below
/// `threshold` take part, and at least the `minKept` hardest (lowest probability): the
/// threshold is raised to the probability of the `minKept`-th hardest pixel when fewer than
/// that are below it. The loss is then the (class-weighted) mean over the kept pixels.
public struct OHEM: Sendable, Equatable {
    public var threshold: Float
    public var minKept: Int

    /// DDRNet's and PIDNet's defaults: 0.7 and 131,072 pixels per batch.
    public init(threshold: Float = 0.7, minKept: Int = 131_072) {
        self.threshold = threshold
        self.minKept = minKept
    }

    /// The probability bound below which pixels are kept, for `probabilities` of the true
    /// class at the valid pixels (reordered in place by the selection).
    func bound(_ probabilities: inout [Float]) -> Float {
        let n = probabilities.count
        guard n > 0 else { return threshold }
        var below = 0
        for p in probabilities where p < threshold { below += 1 }
        if below >= minKept { return threshold }
        // Fewer than minKept below the threshold: keep those under the probability at rank
        // min(minKept, n - 1) (0-based, ascending), DDRNet's rule.
        return max(threshold, Self.select(&probabilities, rank: min(minKept, n - 1)))
    }

    /// The value at `rank` of the ascending order (quickselect, expected O(n)).
    static func select(_ a: inout [Float], rank: Int) -> Float {
        var lo = 0, hi = a.count - 1
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        while lo < hi {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let pivot = a[lo + Int((state >> 33) % UInt64(hi - lo + 1))]
            var i = lo, j = hi
            while i <= j {
                while a[i] < pivot { i += 1 }
                while a[j] > pivot { j -= 1 }
                if i <= j { a.swapAt(i, j); i += 1; j -= 1 }
            }
            if rank <= j { hi = j } else if rank >= i { lo = i } else { return a[rank] }
        }
        return a[rank]
    }
}

/// Mean softmax cross-entropy. logits: (N, C, H, W), labels: (N, H, W) with values in
/// [0, C) or `ignoreIndex`; classWeights: C values or nil; ohem: keep only the hard pixels
/// (`OHEM`) or nil for all. Returns a scalar.
public func crossEntropy(_ logits: Tensor, _ labels: Labels, classWeights: [Float]? = nil, ignoreIndex: Int32 = 255,
                         ohem: OHEM? = nil) -> Tensor {
    let (n, c, h, w) = logits.nchw
    precondition(labels.shape == [n, h, w], "crossEntropy: labels \(labels.shape) for logits \(logits.shape)")
    if let classWeights { precondition(classWeights.count == c, "crossEntropy: \(classWeights.count) class weights for \(c) classes") }
    for v in labels.values where v != ignoreIndex {
        precondition(v >= 0 && Int(v) < c, "crossEntropy: label \(v) outside [0, \(c)) and not the ignore index \(ignoreIndex)")
    }
    // (N, C, H, W) log-softmax, kept for backward.
    let logProbs: Tensor = Backend.dispatch("cross_entropy", onednn: { try DNNLSoftmax.logSoftmax(logits) },
                                            reference: { CrossEntropyReference.logSoftmax(logits) })
    // Per-pixel weight of the loss: w[y] for valid (and, with OHEM, kept) pixels, 0 for the rest.
    var pixelWeight = labels.values.map { v -> Float in v == ignoreIndex ? 0 : (classWeights?[Int(v)] ?? 1) }
    if let ohem { CrossEntropyReference.mine(ohem, logProbs: logProbs, labels: labels, pixelWeight: &pixelWeight) }
    let totalWeight = pixelWeight.reduce(Double(0)) { $0 + Double($1) }
    let loss = CrossEntropyReference.weightedNLL(logProbs: logProbs, labels: labels, pixelWeight: pixelWeight)
    let out = Tensor(scalar: totalWeight > 0 ? Float(loss / totalWeight) : 0)
    return out.recorded("cross_entropy", inputs: [logits]) { [pixelWeight] dy in
        let scale = totalWeight > 0 ? dy.scalar / Float(totalWeight) : 0
        let dx = Tensor.uninitialized(logits.shape)
        Backend.dispatch("cross_entropy.backward", onednn: {
            // Closed form on the log-probabilities: oneDNN 2.6 has only a generic reference
            // kernel for log-softmax backward on AVX2 (about 14x slower than this loop).
            CrossEntropyReference.fusedBackward(logProbs: logProbs, labels: labels, pixelWeight: pixelWeight, scale: scale, dx: dx)
        }, reference: {
            // The textbook route: d loss / d logp is -scale * w[y] at c == y, then the
            // transpose of log-softmax's Jacobian.
            let dLogp = Tensor.zeros(logits.shape)
            for b in 0..<n {
                for p in 0..<(h * w) where pixelWeight[b * h * w + p] != 0 {
                    let y = Int(labels.values[b * h * w + p])
                    dLogp.pointer[(b * c + y) * h * w + p] = -scale * pixelWeight[b * h * w + p]
                }
            }
            CrossEntropyReference.logSoftmaxBackward(logProbs: logProbs, dLogProbs: dLogp, dx: dx)
        })
        return [dx]
    }
}

enum CrossEntropyReference {
    /// Zeroes the weight of the valid pixels OHEM does not keep (probability of the true
    /// class at or above the bound).
    static func mine(_ ohem: OHEM, logProbs: Tensor, labels: Labels, pixelWeight: inout [Float]) {
        let (n, c, h, w) = logProbs.nchw
        let hw = h * w
        var probability = [Float](repeating: 1, count: pixelWeight.count)
        var valid: [Float] = []
        valid.reserveCapacity(pixelWeight.count)
        for b in 0..<n {
            for p in 0..<hw where pixelWeight[b * hw + p] != 0 {
                let y = Int(labels.values[b * hw + p])
                let q = expf(logProbs.pointer[(b * c + y) * hw + p])
                probability[b * hw + p] = q
                valid.append(q)
            }
        }
        let bound = ohem.bound(&valid)
        for i in pixelWeight.indices where pixelWeight[i] != 0 && probability[i] >= bound { pixelWeight[i] = 0 }
    }

    /// log softmax over the channel axis, with the max subtracted for stability.
    static func logSoftmax(_ x: Tensor) -> Tensor {
        let (n, c, h, w) = x.nchw
        let hw = h * w
        let out = Tensor.uninitialized(x.shape)
        for b in 0..<n {
            for p in 0..<hw {
                var m = -Float.infinity
                for ch in 0..<c { m = max(m, x.pointer[(b * c + ch) * hw + p]) }
                var sum: Float = 0
                for ch in 0..<c { sum += expf(x.pointer[(b * c + ch) * hw + p] - m) }
                let lse = m + logf(sum)
                for ch in 0..<c { out.pointer[(b * c + ch) * hw + p] = x.pointer[(b * c + ch) * hw + p] - lse }
            }
        }
        return out
    }

    /// sum_p w_p * -logp[y_p] (Double accumulation: millions of pixels per batch).
    static func weightedNLL(logProbs: Tensor, labels: Labels, pixelWeight: [Float]) -> Double {
        let (n, c, h, w) = logProbs.nchw
        let hw = h * w
        var total: Double = 0
        for b in 0..<n {
            for p in 0..<hw where pixelWeight[b * hw + p] != 0 {
                let y = Int(labels.values[b * hw + p])
                total -= Double(pixelWeight[b * hw + p]) * Double(logProbs.pointer[(b * c + y) * hw + p])
            }
        }
        return total
    }

    /// dx[c] = scale * w_p * (softmax[c] - [c == y_p]): the gradient of the weighted mean
    /// NLL through log-softmax in one pass, as PyTorch's fused kernel computes it.
    static func fusedBackward(logProbs: Tensor, labels: Labels, pixelWeight: [Float], scale: Float, dx: Tensor) {
        let (n, c, h, w) = logProbs.nchw
        let hw = h * w
        pixelWeight.withUnsafeBufferPointer { pw in
            labels.values.withUnsafeBufferPointer { y in
                for b in 0..<n {
                    for ch in 0..<c {
                        let lp = logProbs.pointer + (b * c + ch) * hw, d = dx.pointer + (b * c + ch) * hw
                        for p in 0..<hw {
                            let weight = pw[b * hw + p] * scale
                            d[p] = weight == 0 ? 0 : weight * (expf(lp[p]) - (Int(y[b * hw + p]) == ch ? 1 : 0))
                        }
                    }
                }
            }
        }
    }

    /// dx = dlogp - softmax * sum_c dlogp (the transpose of log-softmax's Jacobian).
    static func logSoftmaxBackward(logProbs: Tensor, dLogProbs: Tensor, dx: Tensor) {
        let (n, c, h, w) = logProbs.nchw
        let hw = h * w
        for b in 0..<n {
            for p in 0..<hw {
                var sum: Float = 0
                for ch in 0..<c { sum += dLogProbs.pointer[(b * c + ch) * hw + p] }
                for ch in 0..<c {
                    let k = (b * c + ch) * hw + p
                    dx.pointer[k] = dLogProbs.pointer[k] - expf(logProbs.pointer[k]) * sum
                }
            }
        }
    }
}
