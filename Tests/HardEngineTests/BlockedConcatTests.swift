import XCTest
@testable import HardEngine

/// Channel concatenation in the blocked plan: parts whose channels are multiples of 8 are
/// written in place by their producers, others are copied; both against the reference ops.
final class BlockedConcatTests: XCTestCase {
    func testInPlaceAndCopiedConcatenations() throws {
        try XCTSkipUnless(OneDNN.isAvailable, "oneDNN is not available")
        var rng = SeededGenerator(seed: 5)
        let (h, w) = (9, 13)
        let x = Tensor.normal([1, 3, h, w], generator: &rng)
        func conv(_ cin: Int, _ cout: Int, _ k: Int) -> (Tensor, Tensor) {
            (Tensor.normal([cout, cin, k, k], std: 0.4, generator: &rng), Tensor.normal([cout], std: 0.2, generator: &rng))
        }
        let g1 = Conv2dGeometry(), g3 = Conv2dGeometry(padding: 1)
        let (wa, ba) = conv(3, 8, 3), (wb, bb) = conv(3, 16, 3), (wc, bc) = conv(3, 5, 3)
        let (wd, bd) = conv(24, 8, 1), (we, be) = conv(37, 7, 1)
        // 1 = a (8), 2 = b (16), 3 = concat(a, b): in place; 4 = c (5), 5 = concat(d, c): copied
        // (5 channels), where 6 = d reads the in-place concat; 7 = the logits.
        let nodes = [
            InferenceNode(.conv(input: 0, weight: wa, bias: ba, geometry: g3, activation: .relu), output: 1),
            InferenceNode(.conv(input: 0, weight: wb, bias: bb, geometry: g3, activation: .relu6), output: 2),
            InferenceNode(.concat([1, 2]), output: 3),
            InferenceNode(.conv(input: 0, weight: wc, bias: bc, geometry: g3, activation: .none), output: 4),
            InferenceNode(.conv(input: 3, weight: wd, bias: bd, geometry: g1, activation: .relu), output: 6),
            InferenceNode(.concat([3, 6, 4]), output: 5),
            InferenceNode(.conv(input: 5, weight: we, bias: be, geometry: g1, activation: .none), output: 7),
        ]
        let shapes = [[1, 3, h, w], [1, 8, h, w], [1, 16, h, w], [1, 24, h, w], [1, 5, h, w], [1, 37, h, w], [1, 8, h, w], [1, 7, h, w]]
        let plan = try BlockedInference(nodes: nodes, shapes: shapes, output: 7)
        let got = try plan.run(x)
        let expected = withNoGrad { () -> Tensor in
            let a = conv2d(x, weight: wa, bias: ba, geometry: g3, activation: .relu)
            let b = conv2d(x, weight: wb, bias: bb, geometry: g3, activation: .relu6)
            let ab = concatChannels([a, b])
            let c = conv2d(x, weight: wc, bias: bc, geometry: g3, activation: .none)
            let d = conv2d(ab, weight: wd, bias: bd, geometry: g1, activation: .relu)
            return conv2d(concatChannels([ab, d, c]), weight: we, bias: be, geometry: g1, activation: .none)
        }
        XCTAssertEqual(got.shape, expected.shape)
        var worst: Float = 0
        for i in 0..<got.count { worst = max(worst, abs(got.pointer[i] - expected.pointer[i])) }
        XCTAssertLessThanOrEqual(worst, 1e-4, "max abs diff \(worst)")
    }
}
