import Foundation
import HardEngine

/// Decoupled weight decay Adam (Loshchilov & Hutter), PyTorch's `torch.optim.AdamW`:
/// p -= lr * wd * p; m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
/// p -= lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps).
public final class AdamW {
    public let parameters: [Tensor]
    public var learningRate: Float
    public let beta1: Float, beta2: Float, eps: Float, weightDecay: Float
    /// Steps taken so far (bias corrections depend on it; a resumed run restores it).
    public internal(set) var step = 0
    /// First and second moment estimates, one pair per parameter.
    public let firstMoments: [Tensor]
    public let secondMoments: [Tensor]

    public init(parameters: [Tensor], learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
                eps: Float = 1e-8, weightDecay: Float = 1e-2) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.beta1 = beta1; self.beta2 = beta2; self.eps = eps; self.weightDecay = weightDecay
        firstMoments = parameters.map { Tensor.zeros($0.shape) }
        secondMoments = parameters.map { Tensor.zeros($0.shape) }
    }

    /// Applies one update from the accumulated gradients, then clears them.
    public func update() {
        step += 1
        let c1 = 1 - powf(beta1, Float(step)), c2 = 1 - powf(beta2, Float(step))
        let lr = learningRate, decay = 1 - learningRate * weightDecay
        for (i, p) in parameters.enumerated() {
            guard let g = p.grad else { continue }
            let m = firstMoments[i].pointer, v = secondMoments[i].pointer, w = p.pointer, gp = g.pointer
            for j in 0..<p.count {
                w[j] *= decay
                m[j] = beta1 * m[j] + (1 - beta1) * gp[j]
                v[j] = beta2 * v[j] + (1 - beta2) * gp[j] * gp[j]
                w[j] -= lr * (m[j] / c1) / ((v[j] / c2).squareRoot() + eps)
            }
            p.zeroGrad()
        }
    }

    /// Restores the step count (moments are restored through `firstMoments`/`secondMoments`).
    public func restore(step: Int) { self.step = step }
}

/// The paper's schedule (§4.1): linear warm-up from `start` to `peak` over `warmupIterations`,
/// then cosine annealing from `peak` to `end` at `totalIterations`.
public struct WarmupCosineSchedule: Sendable {
    public var start: Float = 1e-5
    public var peak: Float = 1e-2
    public var end: Float = 1e-5
    public var warmupIterations: Int
    public var totalIterations: Int

    public init(start: Float = 1e-5, peak: Float = 1e-2, end: Float = 1e-5, warmupIterations: Int, totalIterations: Int) {
        precondition(totalIterations > 0 && warmupIterations >= 0 && warmupIterations <= totalIterations,
                     "schedule: warm-up \(warmupIterations) of \(totalIterations) iterations")
        self.start = start; self.peak = peak; self.end = end
        self.warmupIterations = warmupIterations
        self.totalIterations = totalIterations
    }

    /// The learning rate at iteration `i` (0-based).
    public func learningRate(at i: Int) -> Float {
        if i < warmupIterations {
            return start + (peak - start) * Float(i) / Float(max(warmupIterations, 1))
        }
        let span = max(totalIterations - warmupIterations, 1)
        let t = min(Float(i - warmupIterations) / Float(span), 1)
        return end + (peak - end) * 0.5 * (1 + cosf(Float.pi * t))
    }
}
