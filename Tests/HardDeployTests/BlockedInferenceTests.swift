import XCTest
import HardEngine
import HardModels
@testable import HardDeploy

/// The blocked-layout inference path computes the model's logits (eval mode, BN folded)
/// for every variant, at uneven sizes and with channel counts that are not multiples of 8.
final class BlockedInferenceTests: XCTestCase {
    func check(_ v: Variant, classes: Int, height: Int, width: Int) throws {
        let model = Zoo.make(v, classes: classes, seed: 5)
        var rng = SeededGenerator(seed: 6)
        // Non-trivial BN statistics so that folding matters.
        for _ in 0..<2 { _ = withNoGrad { model.outputs(Tensor.normal([2, 3, height, width], generator: &rng)) } }
        let plan = try BlockedInference(graph: Graph.trace(model, height: height, width: width))   // folds in the graph
        // Values whose lifetimes do not overlap share memory (and the results stay exact).
        XCTAssertLessThan(plan.sharedBytes * 2, plan.unsharedBytes, "\(v.rawValue): activation buffers are not shared")
        for _ in 0..<2 {
            let x = Tensor.normal([1, 3, height, width], generator: &rng)
            let expected = withNoGrad { model.eval(); return model(x) }
            let got = try plan.run(x)
            XCTAssertEqual(got.shape, expected.shape)
            var worst: Float = 0, scale: Float = 0
            for i in 0..<got.count {
                worst = max(worst, abs(got.pointer[i] - expected.pointer[i]))
                scale = max(scale, abs(expected.pointer[i]))
            }
            XCTAssertLessThanOrEqual(worst, 1e-4 * max(1, scale), "\(v.rawValue) \(height)x\(width): max abs diff \(worst)")
        }
    }

    func testEveryLiteVariantMatchesItsForwardPass() throws {
        try check(.xxs, classes: 19, height: 45, width: 70)
        try check(.s, classes: 11, height: 40, width: 56)
        try check(.xs, classes: 19, height: 33, width: 48)
        try check(.edge, classes: 11, height: 64, width: 64)
    }

    func testGPUVariantWithDualAtrousPoolingMatchesItsForwardPass() throws {
        try check(.gpu, classes: 19, height: 64, width: 96)
    }
}
