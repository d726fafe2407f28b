import XCTest
@testable import HardEngine
import HardMicro

/// The inference graph: tracing on placeholders, and each pass (one test each) keeping the
/// graph's output equal to the forward pass it was traced from.
final class GraphTests: XCTestCase {
    /// A small network with every pattern the passes look for:
    ///   a = relu6(bn(conv3x3(x)))            fold + fuse activation
    ///   b = conv1x1(a) + a                   residual add right after a conv
    ///   c = concat(b, relu(conv(a)))         concat of two 8-channel parts
    ///   d = avgpool(c); e = resize(d) ; f = conv1x1(concat(e, globalpool-broadcast...))
    struct Net {
        var rng = SeededGenerator(seed: 11)
        let w1, w2, w3, w4, b4: Tensor
        let gamma, beta, mean, variance: Tensor

        init() {
            w1 = Tensor.normal([8, 3, 3, 3], std: 0.4, generator: &rng)
            w2 = Tensor.normal([8, 8, 1, 1], std: 0.4, generator: &rng)
            w3 = Tensor.normal([8, 8, 3, 3], std: 0.2, generator: &rng)
            w4 = Tensor.normal([5, 16, 1, 1], std: 0.3, generator: &rng)
            b4 = Tensor.normal([5], std: 0.1, generator: &rng)
            gamma = Tensor.uniform([8], low: 0.5, high: 1.5, generator: &rng)
            beta = Tensor.normal([8], std: 0.2, generator: &rng)
            mean = Tensor.normal([8], std: 0.3, generator: &rng)
            variance = Tensor.uniform([8], low: 0.5, high: 2, generator: &rng)
        }

        func callAsFunction(_ x: Tensor) -> Tensor {
            let (_, _, h, w) = x.nchw
            let a = relu6(batchNorm(conv2d(x, weight: w1, geometry: Conv2dGeometry(padding: 1)), gamma: gamma, beta: beta,
                                    runningMean: mean, runningVar: variance, training: false))
            let b = add(conv2d(a, weight: w2), a)
            let c = concatChannels([b, relu(conv2d(a, weight: w3, geometry: Conv2dGeometry(padding: 2, dilation: 2)))])
            let d = avgPool2d(c, Pool2dGeometry(kernel: (2, 2), stride: (2, 2), padding: (0, 0)))
            let e = resizeBilinear(d, height: h, width: w)
            return conv2d(e, weight: w4, bias: b4)
        }
    }

    func nodeNames(_ g: Graph) -> [String] { g.nodes.map(\.op.name) }

    func maxDifference(_ a: Tensor, _ b: Tensor) -> Float {
        precondition(a.shape == b.shape)
        var worst: Float = 0
        for i in 0..<a.count { worst = max(worst, abs(a.pointer[i] - b.pointer[i])) }
        return worst
    }

    func testTraceRecordsEveryOpWithShapesAndNoActivationMemory() throws {
        let net = Net()
        let before = TensorStorage.liveBytes
        TensorStorage.resetPeak()
        // 2048 x 4096 x 16 channels of float32 would be 512 MB per value.
        let big = try Graph.trace(inputShape: [1, 3, 2048, 4096]) { net($0) }
        XCTAssertLessThan(TensorStorage.peakBytes - before, 1 << 20, "a trace allocates no activations")
        XCTAssertEqual(nodeNames(big), ["conv", "batch norm", "relu6", "conv", "add", "conv", "relu", "concat",
                                        "average pool", "resize", "conv"])
        XCTAssertEqual(big.shapes[big.output], [1, 5, 2048, 4096])
        XCTAssertEqual(big.shapes[big.nodes[7].output], [1, 16, 2048, 4096])
        // The graph references the model's tensors; it copies none.
        guard case .convolution(let c) = big.nodes[0].op else { return XCTFail("first node") }
        XCTAssertTrue(c.weight === net.w1)
        XCTAssertFalse(GraphTrace.isTracing)
    }

    func testTraceNamesParametersAndRefusesConstantsMadeInsideForward() throws {
        let net = Net()
        let g = try Graph.trace(inputShape: [1, 3, 8, 8], parameterNames: [("head.weight", net.w4), ("head.bias", net.b4)]) { net($0) }
        guard case .convolution(let head) = g.nodes.last!.op else { return XCTFail("last node") }
        XCTAssertEqual(head.weightName, "head.weight")
        XCTAssertEqual(head.biasName, "head.bias")
        XCTAssertThrowsError(try Graph.trace(inputShape: [1, 3, 8, 8]) { x in add(x, Tensor.zeros([1, 3, 8, 8])) }) { error in
            XCTAssertTrue("\(error)".contains("no traced op wrote"), "\(error)")
        }
        XCTAssertThrowsError(try Graph.trace(inputShape: [1, 3, 8, 8]) { $0 })
    }

    func testReplayEqualsTheForwardPass() throws {
        let net = Net()
        var rng = SeededGenerator(seed: 3)
        let x = Tensor.normal([1, 3, 12, 16], generator: &rng)
        let g = try Graph.trace(inputShape: x.shape) { net($0) }
        XCTAssertEqual(maxDifference(g(x), withNoGrad { net(x) }), 0)
    }

    func testFoldBatchNormsMatchesAndLeavesTheParametersAlone() throws {
        let net = Net()
        var rng = SeededGenerator(seed: 4)
        let x = Tensor.normal([1, 3, 12, 16], generator: &rng)
        let g = try Graph.trace(inputShape: x.shape) { net($0) }
        let w1 = net.w1.toArray()
        let folded = g.foldingBatchNorms()
        XCTAssertEqual(nodeNames(folded), ["conv", "relu6", "conv", "add", "conv", "relu", "concat", "average pool", "resize", "conv"])
        XCTAssertEqual(folded.shapes.count, g.shapes.count - 1, "values stay numbered densely")
        XCTAssertLessThan(maxDifference(folded(x), g(x)), 1e-5)
        XCTAssertEqual(net.w1.toArray(), w1, "the model's weights are untouched")
        guard case .convolution(let c) = folded.nodes[0].op else { return XCTFail("first node") }
        XCTAssertFalse(c.weight === net.w1)
        XCTAssertNotNil(c.bias, "the fold gives the convolution a bias")
    }

    func testFuseActivationsMovesReLUsIntoTheirConvolutions() throws {
        let net = Net()
        var rng = SeededGenerator(seed: 5)
        let x = Tensor.normal([1, 3, 12, 16], generator: &rng)
        let g = try Graph.trace(inputShape: x.shape) { net($0) }
        let ready = g.inferenceReady()
        XCTAssertEqual(nodeNames(ready), ["conv", "conv", "add", "conv", "concat", "average pool", "resize", "conv"])
        guard case .convolution(let first) = ready.nodes[0].op, case .convolution(let dilated) = ready.nodes[3].op else {
            return XCTFail("convolutions expected")
        }
        XCTAssertEqual(first.activation, .relu6)
        XCTAssertEqual(dilated.activation, .relu)
        XCTAssertLessThan(maxDifference(ready(x), g(x)), 1e-5)
        // An activation whose input has a second reader stays: relu(a) where a is also added.
        let shared = try Graph.trace(inputShape: [1, 3, 8, 8]) { x in
            let a = conv2d(x, weight: net.w1, geometry: Conv2dGeometry(padding: 1))
            return add(relu(a), a)
        }
        XCTAssertEqual(nodeNames(shared.fusingActivations()), ["conv", "relu", "add"])
    }

    func testFuseResidualAddsKeepsTheOutput() throws {
        let net = Net()
        var rng = SeededGenerator(seed: 6)
        let x = Tensor.normal([1, 3, 12, 16], generator: &rng)
        let ready = try Graph.trace(inputShape: x.shape) { net($0) }.inferenceReady()
        let fused = ready.fusingResidualAdds()
        XCTAssertEqual(nodeNames(fused), ["conv", "conv", "conv", "concat", "average pool", "resize", "conv"])
        guard case .convolution(let c) = fused.nodes[1].op else { return XCTFail("residual conv") }
        XCTAssertTrue(c.addsResidual)
        XCTAssertEqual(fused.nodes[1].inputs, [fused.nodes[0].output, fused.nodes[0].output])
        XCTAssertLessThan(maxDifference(fused(x), ready(x)), 1e-5)
    }

    /// The plan's arena: no two values alive at once overlap, offsets are aligned, and the
    /// arena is what HardMicro's `greedyPlacement` (the microcontroller's planner) gives for
    /// the same sizes and lifetimes.
    func testPlanBuffersNeverOverlapsLiveValuesAndIsTheMicrocontrollersPlanner() throws {
        let net = Net()
        let g = try Graph.trace(inputShape: [1, 3, 20, 24]) { net($0) }.inferenceReady().fusingResidualAdds()
        let placement = g.concatInPlace(channelMultiple: 8)
        XCTAssertEqual(placement.inPlaceNodes.count, 1)
        let bytes = g.shapes.map { 4 * $0.reduce(1, *) }
        let plan = g.planBuffers(bytes: bytes, placement: placement, alignment: 64) { _ in true }
        let planned = (0..<g.shapes.count).filter { plan.offsets[$0] != nil }
        XCTAssertGreaterThan(planned.count, 3)
        XCTAssertLessThan(plan.arenaBytes, plan.unsharedBytes, "values with disjoint lifetimes share memory")
        for a in planned {
            XCTAssertEqual(plan.offsets[a]! % 64, 0)
            XCTAssertLessThanOrEqual(plan.offsets[a]! + bytes[a], plan.arenaBytes)
            for b in planned where b > a && plan.firstUse[a] <= plan.lastUse[b] && plan.firstUse[b] <= plan.lastUse[a] {
                let disjoint = plan.offsets[a]! + bytes[a] <= plan.offsets[b]! || plan.offsets[b]! + bytes[b] <= plan.offsets[a]!
                XCTAssertTrue(disjoint, "values \(a) and \(b) are alive together and overlap")
            }
        }
        XCTAssertNil(plan.offsets[g.input])
        XCTAssertNil(plan.offsets[g.output])
        let micro = greedyPlacement(bytes: bytes, firstUse: plan.firstUse, lastUse: plan.lastUse, placing: planned, alignment: 64)
        XCTAssertEqual(micro.bytes, plan.arenaBytes)
        XCTAssertEqual(planned.map { micro.offsets[$0] }, planned.map { plan.offsets[$0]! })
    }

    /// The fast plan runs the traced graph of the test network (fold, fuse, residual, in-place
    /// concat, arena) and gives its forward pass.
    func testTheFastPlanGivesTheForwardPass() throws {
        try XCTSkipUnless(OneDNN.isAvailable, "oneDNN is not available")
        let net = Net()
        var rng = SeededGenerator(seed: 7)
        let x = Tensor.normal([1, 3, 20, 24], generator: &rng)
        let plan = try BlockedInference(graph: Graph.trace(inputShape: x.shape) { net($0) })
        XCTAssertLessThan(maxDifference(try plan.run(x), withNoGrad { net(x) }), 1e-4)
    }
}
