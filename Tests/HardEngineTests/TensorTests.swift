import XCTest
@testable import HardEngine

final class TensorTests: XCTestCase {
    func testSeededInitialisationIsReproducible() {
        var a = SeededGenerator(seed: 42), b = SeededGenerator(seed: 42), c = SeededGenerator(seed: 43)
        let x = Tensor.normal([100], generator: &a), y = Tensor.normal([100], generator: &b), z = Tensor.normal([100], generator: &c)
        XCTAssertEqual(x.toArray(), y.toArray())
        XCTAssertNotEqual(x.toArray(), z.toArray())
    }

    func testKaimingUniformUsesPyTorchsConvBound() {
        // PyTorch Conv2d default: U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
        var rng = SeededGenerator(seed: 3)
        let w = Tensor.kaimingUniform([64, 16, 3, 3], fanIn: 144, generator: &rng)
        let bound: Float = 1 / 12
        let values = w.toArray()
        XCTAssertLessThanOrEqual(values.map(abs).max()!, bound)
        XCTAssertGreaterThan(values.map(abs).max()!, bound * 0.99)
        let variance = values.map { $0 * $0 }.reduce(0, +) / Float(values.count)
        XCTAssertEqual(variance, bound * bound / 3, accuracy: bound * bound / 3 * 0.05)
        XCTAssertTrue(w.requiresGrad)
    }

    func testKaimingNormalHasHeVariance() {
        var rng = SeededGenerator(seed: 5)
        let w = Tensor.kaimingNormal([32, 16, 3, 3], fanOut: 32 * 9, generator: &rng)
        let values = w.toArray()
        let variance = values.map { $0 * $0 }.reduce(0, +) / Float(values.count)
        XCTAssertEqual(variance, 2 / 288, accuracy: 2 / 288 * 0.06)
    }

    func testSubscriptIsRowMajorNCHW() {
        let t = Tensor(shape: [1, 2, 2, 3], data: (0..<12).map(Float.init))
        XCTAssertEqual(t[0, 1, 0, 2], 8)
        XCTAssertEqual(t.nchw.c, 2)
    }

    func testConvOutputSizeFollowsPyTorchsFloorRule() {
        let g = Conv2dGeometry(stride: 2, padding: 1, dilation: 1)
        XCTAssertEqual(g.outputSize(h: 45, w: 80, kh: 3, kw: 3).0, 23)
        XCTAssertEqual(g.outputSize(h: 45, w: 80, kh: 3, kw: 3).1, 40)
        XCTAssertEqual(Conv2dGeometry(padding: 6, dilation: 6).outputSize(h: 45, w: 80, kh: 3, kw: 3).0, 45)
    }

    func testUnevenConvAndPoolShapesWorkOnEveryBackend() {
        // 45x80 is 1/8 of 360x640: odd sizes must work on both backends and agree.
        var rng = SeededGenerator(seed: 9)
        let x = Tensor.uniform([1, 4, 45, 23], low: -1, high: 1, generator: &rng)
        let w = Tensor.uniform([4, 1, 3, 3], low: -1, high: 1, generator: &rng)
        let outs = testedBackends.map { b in
            Backend.with(b) {
                maxPool2d(conv2d(x, weight: w, geometry: Conv2dGeometry(stride: 2, padding: 1, groups: 4)),
                          Pool2dGeometry(kernel: 3, stride: 2, padding: 1))
            }
        }
        XCTAssertEqual(outs[0].shape, [1, 4, 12, 6])
        if outs.count == 2 { assertClose(outs[1], outs[0], "onednn vs reference") }
    }
}

final class FusedConvTests: XCTestCase {
    /// The inference-only fused conv + activation equals conv followed by the activation, on
    /// every backend, for dense (oneDNN post-op) and depth-wise (in-kernel clamp) convolutions.
    func testFusedConvActivationEqualsSeparateOps() {
        var rng = SeededGenerator(seed: 21)
        let x = Tensor.normal([2, 6, 13, 11], std: 3, generator: &rng)
        let cases: [(Tensor, Conv2dGeometry)] = [
            (Tensor.normal([8, 6, 3, 3], generator: &rng), Conv2dGeometry(stride: 2, padding: 1)),
            (Tensor.normal([8, 6, 1, 1], generator: &rng), Conv2dGeometry()),
            (Tensor.normal([6, 1, 3, 3], generator: &rng), Conv2dGeometry(stride: 1, padding: 2, dilation: 2, groups: 6)),
        ]
        for backend in testedBackends {
            Backend.with(backend) {
                for (w, g) in cases {
                    let b = Tensor.normal([w.shape[0]], generator: &rng)
                    for (fused, separate) in [(FusedActivation.relu6, relu6), (.relu, relu)] as [(FusedActivation, (Tensor) -> Tensor)] {
                        let a = withNoGrad { conv2d(x, weight: w, bias: b, geometry: g, activation: fused) }
                        let e = withNoGrad { separate(conv2d(x, weight: w, bias: b, geometry: g)) }
                        assertClose(a, e, "\(backend) \(fused) \(g)")
                        XCTAssertGreaterThan(a.toArray().filter { $0 == 0 }.count, 0, "the activation clipped something")
                    }
                }
            }
        }
    }
}
