import XCTest
@testable import HardEngine

/// The blocked (nChw8c) depthwise kernel against the reference convolution, on maps wide
/// enough that interior columns go six at a time and the borders one at a time: every
/// dilation HARD uses, stride 2, each fused activation, and a channel count that is not a
/// multiple of 8 (padding lanes).
final class BlockedDepthwiseTests: XCTestCase {
    func testAgainstTheReferenceConvolution() {
        var rng = SeededGenerator(seed: 21)
        let cases: [(c: Int, h: Int, w: Int, stride: Int, dilation: Int, act: FusedActivation)] = [
            (12, 9, 31, 1, 1, .relu6), (16, 20, 40, 1, 6, .none), (8, 24, 37, 1, 8, .relu),
            (13, 11, 29, 2, 1, .relu6), (8, 7, 26, 1, 2, .none)]
        for t in cases {
            let g = Conv2dGeometry(stride: t.stride, padding: t.dilation, dilation: t.dilation, groups: t.c)
            let x = Tensor.normal([1, t.c, t.h, t.w], generator: &rng)
            let weight = Tensor.normal([t.c, 1, 3, 3], std: 0.5, generator: &rng)
            let bias = Tensor.normal([t.c], std: 0.5, generator: &rng)
            let reference = withNoGrad { conv2d(x, weight: weight, bias: bias, geometry: g, activation: t.act) }
            let (oh, ow) = (reference.shape[2], reference.shape[3])
            let kernel = BlockedDepthwise(weight: weight, bias: bias, geometry: g, activation: t.act,
                                          input: x.shape, output: reference.shape)
            let blocks = (t.c + 7) / 8
            // NCHW -> nChw8c (padding lanes zero) and back.
            var xb = [Float](repeating: 0, count: blocks * t.h * t.w * 8)
            for c in 0..<t.c { for p in 0..<(t.h * t.w) { xb[((c / 8) * t.h * t.w + p) * 8 + c % 8] = x.pointer[c * t.h * t.w + p] } }
            var yb = [Float](repeating: .nan, count: blocks * oh * ow * 8)
            xb.withUnsafeMutableBufferPointer { xp in yb.withUnsafeMutableBufferPointer { yp in
                kernel.run(xp.baseAddress!, yp.baseAddress!)
            } }
            var worst: Float = 0
            for c in 0..<t.c { for p in 0..<(oh * ow) {
                worst = max(worst, abs(yb[((c / 8) * oh * ow + p) * 8 + c % 8] - reference.pointer[c * oh * ow + p]))
            } }
            XCTAssertLessThanOrEqual(worst, 1e-5, "\(t): max abs diff \(worst)")
        }
    }
}
