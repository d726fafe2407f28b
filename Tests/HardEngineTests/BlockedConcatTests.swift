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
        func convNode(_ w: Tensor, _ b: Tensor, _ g: Conv2dGeometry, _ act: FusedActivation) -> GraphOp {
            .convolution(ConvolutionNode(weight: w, bias: b, geometry: g, activation: act))
        }
        let nodes = [
            Graph.Node(convNode(wa, ba, g3, .relu), inputs: [0], output: 1),
            Graph.Node(convNode(wb, bb, g3, .relu6), inputs: [0], output: 2),
            Graph.Node(.concat, inputs: [1, 2], output: 3),
            Graph.Node(convNode(wc, bc, g3, .none), inputs: [0], output: 4),
            Graph.Node(convNode(wd, bd, g1, .relu), inputs: [3], output: 6),
            Graph.Node(.concat, inputs: [3, 6, 4], output: 5),
            Graph.Node(convNode(we, be, g1, .none), inputs: [5], output: 7),
        ]
        let shapes = [[1, 3, h, w], [1, 8, h, w], [1, 16, h, w], [1, 24, h, w], [1, 5, h, w], [1, 37, h, w], [1, 8, h, w], [1, 7, h, w]]
        let graph = Graph(shapes: shapes, nodes: nodes, output: 7)
        // The pass: the first concat is written in place (8 and 16 channels), the second copies
        // (its part c has 5 channels, and its part 3 is an in-place concat's output).
        let placement = graph.concatInPlace(channelMultiple: 8)
        XCTAssertEqual(placement.inPlaceNodes, [2])
        XCTAssertEqual(placement.container[1], 3)
        XCTAssertEqual(placement.container[2], 3)
        XCTAssertEqual(placement.channelOffset[2], 8)
        XCTAssertNil(placement.container[4])
        XCTAssertNil(placement.container[3])
        let plan = try BlockedInference(graph: graph)
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
