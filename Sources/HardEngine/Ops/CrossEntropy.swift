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

/// Mean softmax cross-entropy. logits: (N, C, H, W), labels: (N, H, W) with values in
/// [0, C) or `ignoreIndex`; classWeights: C values or nil. Returns a scalar.
public func crossEntropy(_ logits: Tensor, _ labels: Labels, classWeights: [Float]? = nil, ignoreIndex: Int32 = 255) -> Tensor {
    let (n, c, h, w) = logits.nchw
    precondition(labels.shape == [n, h, w], "crossEntropy: labels \(labels.shape) for logits \(logits.shape)")
    if let classWeights { precondition(classWeights.count == c, "crossEntropy: \(classWeights.count) class weights for \(c) classes") }
    for v in labels.values where v != ignoreIndex {
        precondition(v >= 0 && Int(v) < c, "crossEntropy: label \(v) outside [0, \(c)) and not the ignore index \(ignoreIndex)")
    }
    // Per-pixel weight of the loss: w[y] for valid pixels, 0 for ignored ones.
    let pixelWeight = labels.values.map { v -> Float in v == ignoreIndex ? 0 : (classWeights?[Int(v)] ?? 1) }
    let totalWeight = pixelWeight.reduce(Double(0)) { $0 + Double($1) }
    var logProbs: Tensor? = nil  // (N, C, H, W) log-softmax, kept by the oneDNN path for backward
    let loss: Double = Backend.dispatch("cross_entropy", onednn: {
        let lp = try DNNLSoftmax.logSoftmax(logits)
        logProbs = lp
        return CrossEntropyReference.weightedNLL(logProbs: lp, labels: labels, pixelWeight: pixelWeight)
    }, reference: {
        CrossEntropyReference.weightedNLL(logProbs: CrossEntropyReference.logSoftmax(logits), labels: labels, pixelWeight: pixelWeight)
    })
    let out = Tensor(scalar: totalWeight > 0 ? Float(loss / totalWeight) : 0)
    return out.recorded("cross_entropy", inputs: [logits]) { dy in
        let scale = totalWeight > 0 ? dy.scalar / Float(totalWeight) : 0
        let dx = Tensor.uninitialized(logits.shape)
        Backend.dispatch("cross_entropy.backward", onednn: {
            // Closed form on oneDNN's log-probabilities: oneDNN 2.6 has only a generic
            // reference kernel for log-softmax backward on AVX2 (about 14x slower than this loop).
            let lp = try logProbs ?? DNNLSoftmax.logSoftmax(logits)
            CrossEntropyReference.fusedBackward(logProbs: lp, labels: labels, pixelWeight: pixelWeight, scale: scale, dx: dx)
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
            CrossEntropyReference.logSoftmaxBackward(logProbs: CrossEntropyReference.logSoftmax(logits), dLogProbs: dLogp, dx: dx)
        })
        return [dx]
    }
}

enum CrossEntropyReference {
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
