import XCTest
@testable import HardEngine

final class AutodiffTests: XCTestCase {
    func testGradientsAccumulateAcrossBackwardCalls() {
        let x = Tensor(shape: [1, 1, 2, 2], data: [1, -2, 3, -4], requiresGrad: true)
        sum(scaled(x, by: 3)).backward()
        XCTAssertEqual(x.grad?.toArray(), [3, 3, 3, 3])
        sum(scaled(x, by: 2)).backward()
        XCTAssertEqual(x.grad?.toArray(), [5, 5, 5, 5])
        x.zeroGrad()
        XCTAssertNil(x.grad)
    }

    func testATensorUsedTwiceReceivesTheSumOfBothPaths() {
        // L = sum(relu(x) + 2x): dL/dx = [x > 0] + 2.
        let x = Tensor(shape: [1, 1, 1, 4], data: [1, -1, 2, -3], requiresGrad: true)
        sum(add(relu(x), scaled(x, by: 2))).backward()
        XCTAssertEqual(x.grad?.toArray(), [3, 2, 3, 2])
    }

    func testNoGradRecordsNothing() {
        let x = Tensor(shape: [1, 1, 1, 2], data: [1, 2], requiresGrad: true)
        let y = withNoGrad { relu(x) }
        XCTAssertFalse(y.requiresGrad)
        XCTAssertNil(y.gradFn)
        XCTAssertTrue(relu(x).requiresGrad)
    }

    func testReshapeIsAViewAndPassesGradientsBack() {
        let x = Tensor(shape: [2, 3], data: [1, 2, 3, 4, 5, 6], requiresGrad: true)
        let v = x.reshaped([3, -1])
        XCTAssertEqual(v.shape, [3, 2])
        XCTAssertTrue(v.storage === x.storage)
        sum(scaled(v, by: 2)).backward()
        XCTAssertEqual(x.grad?.shape, [2, 3])
        XCTAssertEqual(x.grad?.toArray(), [2, 2, 2, 2, 2, 2])
    }

    func testBatchSliceCopiesItemsAndRoutesGradients() {
        let x = Tensor(shape: [3, 2], data: [1, 2, 3, 4, 5, 6], requiresGrad: true)
        let s = x.batchSlice(1, count: 2)
        XCTAssertEqual(s.toArray(), [3, 4, 5, 6])
        sum(s).backward()
        XCTAssertEqual(x.grad?.toArray(), [0, 0, 1, 1, 1, 1])
    }

    /// A small conv-BN-ReLU-classifier trained by plain SGD for 2000 steps: the memory held
    /// by live tensors after the first steps must not grow (no cycles, no retained graphs).
    func testMemoryStaysFlatAcrossThousandsOfTrainingSteps() {
        var rng = SeededGenerator(seed: 1)
        let w1 = Tensor.kaimingUniform([8, 3, 3, 3], fanIn: 27, generator: &rng)
        let b1 = Tensor.zeros([8], requiresGrad: true)
        let gamma = Tensor.ones([8], requiresGrad: true), beta = Tensor.zeros([8], requiresGrad: true)
        let rm = Tensor.zeros([8]), rv = Tensor.ones([8])
        let w2 = Tensor.kaimingUniform([4, 8, 1, 1], fanIn: 8, generator: &rng)
        let params = [w1, b1, gamma, beta, w2]
        let x = Tensor.uniform([2, 3, 8, 8], low: -1, high: 1, generator: &rng)
        let labels = Labels(shape: [2, 8, 8], values: (0..<128).map { Int32(($0 / 8 + $0 % 8) % 4) })
        var firstLoss: Float = 0, lastLoss: Float = 0
        var liveBytes: [Int] = []  // measured at the same point of every step, graph alive
        for step in 0..<2000 {
            let h = relu(batchNorm(conv2d(x, weight: w1, bias: b1, geometry: Conv2dGeometry(padding: 1)),
                                   gamma: gamma, beta: beta, runningMean: rm, runningVar: rv, training: true))
            let logits = resizeBilinear(conv2d(maxPool2d(h, Pool2dGeometry(kernel: 2)), weight: w2), height: 8, width: 8)
            let loss = crossEntropy(logits, labels)
            loss.backward()
            for p in params {
                let g = p.grad!
                for i in 0..<p.count { p.pointer[i] -= 0.05 * g.pointer[i] }
                p.zeroGrad()
            }
            if step == 0 { firstLoss = loss.scalar }
            lastLoss = loss.scalar
            liveBytes.append(TensorStorage.liveBytes)
        }
        let settled = liveBytes[10]
        XCTAssertGreaterThan(settled, 0)
        XCTAssertEqual(liveBytes[10...].max(), settled, "live tensor memory grew over 2000 steps")
        XCTAssertLessThan(lastLoss, firstLoss * 0.8, "training did not reduce the loss: \(firstLoss) -> \(lastLoss)")
    }
}
