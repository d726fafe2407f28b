import XCTest
@testable import HardEngine

/// Ops against values PyTorch produced (Tests/HardEngineTests/Fixtures, made by
/// Tools/make_torch_fixtures.py), on every backend.
final class TorchFixtureTests: XCTestCase {
    func testBilinearResizeMatchesPyTorchAlignCornersFalse() throws {
        let f = try TorchFixture("resize_bilinear")
        for backend in testedBackends {
            try Backend.with(backend) {
                for (prefix, size) in [("up", (8, 11)), ("down", (3, 4))] {
                    let x = try f.tensor("x")
                    x.requiresGrad = true
                    let y = resizeBilinear(x, height: size.0, width: size.1)
                    assertClose(y, try f.tensor("\(prefix)_out"), "\(backend) \(prefix) forward")
                    y.backward(seed: try f.tensor("\(prefix)_g"))
                    assertClose(try XCTUnwrap(x.grad), try f.tensor("\(prefix)_grad_x"), "\(backend) \(prefix) grad x")
                }
            }
        }
    }

    func testDepthwiseDilatedConvMatchesPyTorch() throws {
        let f = try TorchFixture("conv_depthwise_dilated")
        let cases = [("s1", Conv2dGeometry(stride: 1, padding: 2, dilation: 2, groups: 3)),
                     ("s2", Conv2dGeometry(stride: 2, padding: 3, dilation: 3, groups: 3))]
        for backend in testedBackends {
            try Backend.with(backend) {
                for (p, g) in cases {
                    let x = try f.tensor("x"), w = try f.tensor("w"), b = try f.tensor("b")
                    for t in [x, w, b] { t.requiresGrad = true }
                    let y = conv2d(x, weight: w, bias: b, geometry: g)
                    assertClose(y, try f.tensor("\(p)_out"), "\(backend) \(p) forward")
                    y.backward(seed: try f.tensor("\(p)_g"))
                    assertClose(try XCTUnwrap(x.grad), try f.tensor("\(p)_grad_x"), "\(backend) \(p) grad x")
                    assertClose(try XCTUnwrap(w.grad), try f.tensor("\(p)_grad_w"), "\(backend) \(p) grad w")
                    assertClose(try XCTUnwrap(b.grad), try f.tensor("\(p)_grad_b"), "\(backend) \(p) grad b")
                }
            }
        }
    }

    func testCrossEntropyWithIgnoreIndexMatchesPyTorch() throws {
        let f = try TorchFixture("cross_entropy")
        let target = try f.tensor("target")
        let labels = Labels(shape: target.shape, values: target.toArray().map { Int32($0) })
        XCTAssertTrue(labels.values.contains(255), "the fixture must exercise the ignore index")
        let weights = try f.tensor("w").toArray()
        for backend in testedBackends {
            try Backend.with(backend) {
                for (name, w) in [("unweighted", nil), ("weighted", weights)] as [(String, [Float]?)] {
                    let logits = try f.tensor("logits")
                    logits.requiresGrad = true
                    let loss = crossEntropy(logits, labels, classWeights: w)
                    XCTAssertEqual(loss.scalar, try f.number("loss_\(name)"), accuracy: 1e-5, "\(backend) \(name) loss")
                    loss.backward()
                    assertClose(try XCTUnwrap(logits.grad), try f.tensor("grad_\(name)"), "\(backend) \(name) grad")
                }
            }
        }
    }

    func testCrossEntropyAllIgnoredIsZeroNotNaN() throws {
        // PyTorch returns NaN here (the fixture records it); we return 0 and a zero gradient.
        let f = try TorchFixture("cross_entropy")
        XCTAssertEqual(f.root["all_ignored_loss"] as? String, "nan")
        for backend in testedBackends {
            try Backend.with(backend) {
                let logits = try f.tensor("all_ignored_logits")
                logits.requiresGrad = true
                let loss = crossEntropy(logits, Labels(shape: [1, 2, 2], values: [255, 255, 255, 255]))
                XCTAssertEqual(loss.scalar, 0)
                loss.backward()
                assertClose(try XCTUnwrap(logits.grad), try f.tensor("all_ignored_grad"), "\(backend) all-ignored grad")
            }
        }
    }

    func testBatchNormTrainingMatchesPyTorchIncludingRunningStats() throws {
        let f = try TorchFixture("batchnorm")
        for backend in testedBackends {
            try Backend.with(backend) {
                let x = try f.tensor("x"), gamma = try f.tensor("gamma"), beta = try f.tensor("beta")
                for t in [x, gamma, beta] { t.requiresGrad = true }
                let rm = Tensor.zeros([3]), rv = Tensor.ones([3])
                let y = batchNorm(x, gamma: gamma, beta: beta, runningMean: rm, runningVar: rv, training: true,
                                  momentum: try f.number("momentum"), eps: try f.number("eps"))
                assertClose(y, try f.tensor("out"), "\(backend) forward")
                assertClose(rm, try f.tensor("running_mean"), "\(backend) running mean")
                assertClose(rv, try f.tensor("running_var"), "\(backend) running var (unbiased)")
                y.backward(seed: try f.tensor("g"))
                assertClose(try XCTUnwrap(x.grad), try f.tensor("grad_x"), "\(backend) grad x")
                assertClose(try XCTUnwrap(gamma.grad), try f.tensor("grad_gamma"), "\(backend) grad gamma")
                assertClose(try XCTUnwrap(beta.grad), try f.tensor("grad_beta"), "\(backend) grad beta")
            }
        }
    }

    func testPoolingMatchesPyTorch() throws {
        let f = try TorchFixture("pooling")
        let g = Pool2dGeometry(kernel: 3, stride: 2, padding: 1)
        for backend in testedBackends {
            try Backend.with(backend) {
                for (p, op) in [("avg", avgPool2d), ("max", maxPool2d)] as [(String, (Tensor, Pool2dGeometry) -> Tensor)] {
                    let x = try f.tensor("x")
                    x.requiresGrad = true
                    let y = op(x, g)
                    assertClose(y, try f.tensor("\(p)_out"), "\(backend) \(p) forward")
                    y.backward(seed: try f.tensor("\(p)_g"))
                    assertClose(try XCTUnwrap(x.grad), try f.tensor("\(p)_grad_x"), "\(backend) \(p) grad x")
                }
            }
        }
    }
}
