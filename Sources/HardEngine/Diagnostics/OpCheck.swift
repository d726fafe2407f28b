// Self-checks of the op set: every op's oneDNN forward and backward against the
// reference kernels, and every op's backward against central finite differences.
// `hard doctor` prints these; the test suite asserts them.

/// One op exercised on a small seeded problem.
public struct OpCheck: Sendable {
    public let name: String
    /// Step of the central finite differences (small enough for curvature, large enough
    /// for float32 rounding; inputs keep away from kinks by more than this).
    let epsilon: Float
    /// Makes the leaf inputs (all differentiated).
    let makeInputs: @Sendable (inout SeededGenerator) -> [Tensor]
    /// Applies the op.
    let apply: @Sendable ([Tensor]) -> Tensor
}

/// The outcome of one `OpCheck`. Relative errors are max-norm: max|a - b| / max|b|.
public struct OpCheckResult: Codable, Sendable {
    public let op: String
    public let forwardRelErr: Double
    public let backwardRelErr: Double
    public let gradcheckRelErr: Double
    /// Number of times oneDNN fell back to the reference kernel during the check.
    public let fallbacks: Int
    public let passed: Bool

    enum CodingKeys: String, CodingKey {
        case op, passed, fallbacks
        case forwardRelErr = "forward_rel_err"
        case backwardRelErr = "backward_rel_err"
        case gradcheckRelErr = "gradcheck_rel_err"
    }
}

public enum OpChecks {
    /// oneDNN vs reference, forward and backward.
    public static let kernelTolerance = 1e-4
    /// Analytic vs finite-difference gradient (float32 central differences).
    public static let gradcheckTolerance = 1e-2

    /// Max-norm relative error of `a` against `b`.
    public static func relativeError(_ a: [Float], _ b: [Float]) -> Double {
        precondition(a.count == b.count, "comparing \(a.count) with \(b.count) values")
        var diff: Double = 0, scale: Double = 0
        for (x, y) in zip(a, b) {
            diff = max(diff, abs(Double(x) - Double(y)))
            scale = max(scale, abs(Double(y)))
        }
        return diff / max(scale, 1e-12)
    }

    /// Runs one check: forward and backward on both backends, gradcheck on both.
    public static func run(_ check: OpCheck, seed: UInt64 = 7) -> OpCheckResult {
        var rng = SeededGenerator(seed: seed)
        let inputs = check.makeInputs(&rng)
        let probe = withNoGrad { Backend.with(.reference) { check.apply(inputs.map { $0.copy() }) } }
        // Upstream gradient: a fixed random tensor R, i.e. the loss sum(out * R).
        let seedGrad = Tensor.uniform(probe.shape, low: -1, high: 1, generator: &rng)
        let fallbacksBefore = Backend.fallbacks.values.reduce(0, +)

        func evaluate(_ backend: Backend) -> (out: [Float], grads: [[Float]]) {
            Backend.with(backend) {
                let leaves = inputs.map { t -> Tensor in let c = t.copy(); c.requiresGrad = true; return c }
                let out = check.apply(leaves)
                out.backward(seed: seedGrad)
                return (out.toArray(), leaves.map { $0.grad?.toArray() ?? [Float](repeating: 0, count: $0.count) })
            }
        }
        let ref = evaluate(.reference)
        var forwardErr = 0.0, backwardErr = 0.0
        if OneDNN.isAvailable {
            let fast = evaluate(.onednn)
            forwardErr = relativeError(fast.out, ref.out)
            for (g, r) in zip(fast.grads, ref.grads) { backwardErr = max(backwardErr, relativeError(g, r)) }
        }
        var gradErr = gradcheck(check, inputs: inputs, seedGrad: seedGrad, analytic: ref.grads, backend: .reference)
        if OneDNN.isAvailable {
            let fast = evaluate(.onednn)
            gradErr = max(gradErr, gradcheck(check, inputs: inputs, seedGrad: seedGrad, analytic: fast.grads, backend: .onednn))
        }
        let fallbacks = Backend.fallbacks.values.reduce(0, +) - fallbacksBefore
        let passed = forwardErr <= kernelTolerance && backwardErr <= kernelTolerance && gradErr <= gradcheckTolerance && fallbacks == 0
        return OpCheckResult(op: check.name, forwardRelErr: forwardErr, backwardRelErr: backwardErr,
                             gradcheckRelErr: gradErr, fallbacks: fallbacks, passed: passed)
    }

    /// Central differences of L = sum(op(inputs) * R) at up to 48 coordinates per input.
    static func gradcheck(_ check: OpCheck, inputs: [Tensor], seedGrad: Tensor, analytic: [[Float]], backend: Backend) -> Double {
        let eps = check.epsilon
        let work = inputs.map { $0.copy() }
        func loss() -> Double {
            withNoGrad {
                Backend.with(backend) {
                    let out = check.apply(work)
                    var acc: Double = 0
                    for i in 0..<out.count { acc += Double(out.pointer[i]) * Double(seedGrad.pointer[i]) }
                    return acc
                }
            }
        }
        var numeric: [Float] = [], exact: [Float] = []
        for (k, t) in work.enumerated() {
            let stride = max(1, t.count / 48)
            for j in Swift.stride(from: 0, to: t.count, by: stride) {
                let v = t.pointer[j]
                t.pointer[j] = v + eps
                let plus = loss()
                t.pointer[j] = v - eps
                let minus = loss()
                t.pointer[j] = v
                numeric.append(Float((plus - minus) / Double(2 * eps)))
                exact.append(analytic[k][j])
            }
        }
        return relativeError(exact, numeric)
    }

    /// Every check, in the order `hard doctor` prints them.
    public static func runAll() -> [OpCheckResult] { all.map { run($0) } }
}
