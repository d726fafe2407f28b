// batch_norm over the channels of (N, C, H, W), PyTorch semantics: training normalises
// with the batch's biased variance and updates running_var with the unbiased one;
// evaluation normalises with the running statistics.

/// Batch normalisation. x: (N, C, H, W); gamma, beta, runningMean, runningVar: (C).
/// In training mode the running statistics are updated in place:
/// running = (1 - momentum) * running + momentum * batch.
public func batchNorm(_ x: Tensor, gamma: Tensor, beta: Tensor, runningMean: Tensor, runningVar: Tensor,
                      training: Bool, momentum: Float = 0.1, eps: Float = 1e-5) -> Tensor {
    let (n, c, h, w) = x.nchw
    for t in [gamma, beta, runningMean, runningVar] {
        precondition(t.shape == [c], "batchNorm: parameter \(t.shape) for \(c) channels of x \(x.shape)")
    }
    if let y = GraphTrace.intercept(.batchNorm(BatchNormNode(gamma: gamma, beta: beta, mean: runningMean, variance: runningVar, eps: eps)),
                                    [x], shape: x.shape) {
        return y
    }
    let count = n * h * w
    precondition(!training || count > 1, "batchNorm: training needs more than one value per channel, x \(x.shape)")
    let y = Tensor.uninitialized(x.shape)
    // Statistics used to normalise: the batch's (training) or the running ones (eval).
    let mean = training ? Tensor.uninitialized([c]) : runningMean.copy()
    let variance = training ? Tensor.uninitialized([c]) : runningVar.copy()
    Backend.dispatch("batch_norm", onednn: {
        // The fast backend's own kernel: oneDNN 2.6's NCSP batch norm is slow (FastKernels/BatchNormKernel.swift).
        BatchNormKernel.forward(x: x, gamma: gamma, beta: beta, mean: mean, variance: variance, y: y, training: training, eps: eps)
    }, reference: {
        BatchNormReference.forward(x: x, gamma: gamma, beta: beta, mean: mean, variance: variance, y: y, training: training, eps: eps)
    })
    OpTrace.record("batch_norm", macs: y.count, output: y)
    if training {
        let unbias = Float(count) / Float(count - 1)
        for ch in 0..<c {
            runningMean.pointer[ch] = (1 - momentum) * runningMean.pointer[ch] + momentum * mean.pointer[ch]
            runningVar.pointer[ch] = (1 - momentum) * runningVar.pointer[ch] + momentum * variance.pointer[ch] * unbias
        }
    }
    return y.recorded("batch_norm", inputs: [x, gamma, beta]) { dy in
        let dx = Tensor.uninitialized(x.shape)
        let dgamma = Tensor.uninitialized([c])
        let dbeta = Tensor.uninitialized([c])
        Backend.dispatch("batch_norm.backward", onednn: {
            BatchNormKernel.backward(x: x, gamma: gamma, mean: mean, variance: variance, dy: dy,
                                     dx: dx, dgamma: dgamma, dbeta: dbeta, training: training, eps: eps)
        }, reference: {
            BatchNormReference.backward(x: x, gamma: gamma, mean: mean, variance: variance, dy: dy,
                                        dx: dx, dgamma: dgamma, dbeta: dbeta, training: training, eps: eps)
        })
        return [dx, dgamma, dbeta]
    }
}

enum BatchNormReference {
    /// Computes (training) or reads (eval) mean/variance per channel; y = gamma * x_hat + beta.
    static func forward(x: Tensor, gamma: Tensor, beta: Tensor, mean: Tensor, variance: Tensor,
                        y: Tensor, training: Bool, eps: Float) {
        let (n, c, h, w) = x.nchw
        let hw = h * w
        for ch in 0..<c {
            if training {
                var sum: Double = 0
                for b in 0..<n { for i in 0..<hw { sum += Double(x.pointer[(b * c + ch) * hw + i]) } }
                let m = sum / Double(n * hw)
                var sq: Double = 0
                for b in 0..<n { for i in 0..<hw { let d = Double(x.pointer[(b * c + ch) * hw + i]) - m; sq += d * d } }
                mean.pointer[ch] = Float(m)
                variance.pointer[ch] = Float(sq / Double(n * hw))
            }
            let inv = 1 / (variance.pointer[ch] + eps).squareRoot()
            for b in 0..<n {
                for i in 0..<hw {
                    let k = (b * c + ch) * hw + i
                    y.pointer[k] = gamma.pointer[ch] * (x.pointer[k] - mean.pointer[ch]) * inv + beta.pointer[ch]
                }
            }
        }
    }

    /// Training: dx = gamma * inv / M * (M * dy - sum(dy) - x_hat * sum(dy * x_hat)), the batch
    /// statistics being functions of x. Eval: statistics are constants, dx = gamma * inv * dy.
    static func backward(x: Tensor, gamma: Tensor, mean: Tensor, variance: Tensor, dy: Tensor,
                         dx: Tensor, dgamma: Tensor, dbeta: Tensor, training: Bool, eps: Float) {
        let (n, c, h, w) = x.nchw
        let hw = h * w
        let m = Float(n * hw)
        for ch in 0..<c {
            let inv = 1 / (variance.pointer[ch] + eps).squareRoot()
            var sumDy: Double = 0, sumDyXhat: Double = 0
            for b in 0..<n {
                for i in 0..<hw {
                    let k = (b * c + ch) * hw + i
                    let xhat = (x.pointer[k] - mean.pointer[ch]) * inv
                    sumDy += Double(dy.pointer[k])
                    sumDyXhat += Double(dy.pointer[k] * xhat)
                }
            }
            dgamma.pointer[ch] = Float(sumDyXhat)
            dbeta.pointer[ch] = Float(sumDy)
            for b in 0..<n {
                for i in 0..<hw {
                    let k = (b * c + ch) * hw + i
                    if training {
                        let xhat = (x.pointer[k] - mean.pointer[ch]) * inv
                        dx.pointer[k] = gamma.pointer[ch] * inv / m * (m * dy.pointer[k] - Float(sumDy) - xhat * Float(sumDyXhat))
                    } else {
                        dx.pointer[k] = gamma.pointer[ch] * inv * dy.pointer[k]
                    }
                }
            }
        }
    }
}
