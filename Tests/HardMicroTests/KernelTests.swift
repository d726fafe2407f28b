import XCTest
import HardEngine
@testable import HardMicro
@testable import HardDeploy
import CMicroDSP

/// Every int8 kernel against HardEngine's float ops on the dequantized inputs: the int8
/// result is within one quantization step of the float one.
final class KernelTests: XCTestCase {
    var rng = SeededGenerator(seed: 42)
    var boundedChecks = 0

    /// Random int8 NHWC values and their float NCHW dequantization.
    func randomInput(_ s: Shape3, _ q: ActivationQuantization) -> ([Int8], Tensor) {
        let values = (0..<s.count).map { _ in Int8(truncatingIfNeeded: Int.random(in: -128...127, using: &rng)) }
        return (values, nchw(values, s, q))
    }

    func nchw(_ v: [Int8], _ s: Shape3, _ q: ActivationQuantization) -> Tensor {
        let t = Tensor.zeros([1, s.channels, s.height, s.width])
        for y in 0..<s.height { for x in 0..<s.width { for c in 0..<s.channels {
            t.pointer[(c * s.height + y) * s.width + x] = q.dequantize(v[(y * s.width + x) * s.channels + c])
        } } }
        return t
    }

    /// Asserts |dequantize(out) - clamp(reference)| <= one step (plus float rounding).
    func assertWithinOneStep(_ out: [Int8], _ s: Shape3, _ reference: Tensor, _ q: ActivationQuantization,
                             lower: Float = -.infinity, upper: Float = .infinity, steps: Float = 1, _ what: String) {
        let lo = max(q.dequantize(-128), lower), hi = min(q.dequantize(127), upper)
        var worst: Float = 0
        for y in 0..<s.height { for x in 0..<s.width { for c in 0..<s.channels {
            let r = min(max(reference.pointer[(c * s.height + y) * s.width + x], lo), hi)
            worst = max(worst, abs(q.dequantize(out[(y * s.width + x) * s.channels + c]) - r))
        } } }
        XCTAssertLessThanOrEqual(worst, Float(q.scale) * steps * 1.0001 + 1e-6, "\(what): worst error \(worst), step \(q.scale)")
    }

    func checkConv(cin: Int, cout: Int, h: Int, w: Int, kernel: Int, stride: Int, padding: Int, dilation: Int,
                   depthwise: Bool, activation: FusedActivation, _ what: String) throws {
        let xs = Shape3(h, w, cin)
        let qIn = ActivationQuantization(range: -1.3, 2.1)
        let (x, xf) = randomInput(xs, qIn)
        let groups = depthwise ? cin : 1
        let wf = Tensor.normal([cout, cin / groups, kernel, kernel], std: 0.3, generator: &rng)
        let bf = Tensor.normal([cout], std: 0.5, generator: &rng)
        let per = wf.count / cout
        let wq = ChannelQuantizedWeights(wf.pointer, channels: cout, perChannel: per)
        // The float reference uses exactly the int8 weights and bias, dequantized.
        let wd = Tensor.zeros(wf.shape), bd = Tensor.zeros([cout])
        var bias = [Int32](repeating: 0, count: cout)
        for c in 0..<cout {
            for k in 0..<per { wd.pointer[c * per + k] = Float(Double(wq.values[c * per + k]) * wq.scales[c]) }
            bias[c] = Int32((Double(bf.pointer[c]) / (qIn.scale * wq.scales[c])).rounded())
            bd.pointer[c] = Float(Double(bias[c]) * qIn.scale * wq.scales[c])
        }
        let g = Conv2dGeometry(stride: stride, padding: padding, dilation: dilation, groups: groups)
        let reference = withNoGrad { conv2d(xf, weight: wd, bias: bd, geometry: g, activation: activation) }
        let (oh, ow) = (reference.shape[2], reference.shape[3])
        var lo: Float = 0, hi: Float = 0
        for i in 0..<reference.count { lo = min(lo, reference.pointer[i]); hi = max(hi, reference.pointer[i]) }
        let qOut = ActivationQuantization(range: lo * 0.9, hi * 0.9)   // some saturation is exercised too
        let multipliers = try (0..<cout).map { try quantizeMultiplier(qIn.scale * wq.scales[$0] / qOut.scale) }
        let bound: ActivationBound = activation == .relu6 ? .relu6 : activation == .relu ? .relu : .none
        let (amin, amax) = qOut.activationBounds(bound)
        let row = depthwise ? per : denseRowBytes(kernelH: kernel, kernelW: kernel, inputChannels: cin)
        var weights = [Int8](repeating: 0, count: depthwise ? wf.count : cout * row), folded = bias
        for o in 0..<cout {
            for ky in 0..<kernel { for kx in 0..<kernel {
                if depthwise {
                    weights[(ky * kernel + kx) * cout + o] = wq.values[o * per + ky * kernel + kx]
                } else {
                    for c in 0..<cin {
                        let v = wq.values[o * per + (c * kernel + ky) * kernel + kx]
                        weights[o * row + (ky * kernel + kx) * cin + c] = v
                        folded[o] -= qIn.zeroPoint * Int32(v)
                    }
                }
            } }
        }
        let ys = Shape3(oh, ow, cout)
        let geometry = ConvGeometry(kernelH: kernel, kernelW: kernel, strideH: stride, strideW: stride, padH: padding,
                                    padW: padding, dilationH: dilation, dilationW: dilation)
        XCTAssertEqual(geometry.outputSize(h, w).0, oh)
        let mantissas = multipliers.map(\.mantissa), shifts = multipliers.map(\.shift)
        var scratch = [Int8](repeating: 0, count: max(denseScratchBytes(kernelH: kernel, kernelW: kernel, inputChannels: cin, padH: padding, padW: padding), depthwiseScratchBytes(kernelH: kernel, kernelW: kernel, channels: cin)))
        func run<R: ChannelRequantizer>(_ rq: R) -> [Int8] {
            var out = [Int8](repeating: 0, count: ys.count)
            scratch.withUnsafeMutableBytes { sp in
                if depthwise {
                    convolveDepthwise(input: x, xs, inputZeroPoint: qIn.zeroPoint, output: &out, ys, geometry: geometry,
                                      weights: weights, bias: bias, requantizer: rq,
                                      scratch: sp.baseAddress!.assumingMemoryBound(to: UInt32.self))
                } else {
                    convolveDense(input: x, xs, inputZeroPoint: qIn.zeroPoint, output: &out, ys, geometry: geometry,
                                  weights: weights, foldedBias: folded, requantizer: rq,
                                  scratch: sp.baseAddress!.assumingMemoryBound(to: Int8.self))
                }
            }
            return out
        }
        let out = mantissas.withUnsafeBufferPointer { m in shifts.withUnsafeBufferPointer { s in
            run(ExactRequantizer(mantissas: m.baseAddress!, shifts: s.baseAddress!, outputZeroPoint: qOut.zeroPoint,
                                 activationMin: amin, activationMax: amax))
        } }
        // The bounded requantizer gives the same integers where it applies (no clamp beyond
        // int8; these small layers' multipliers and accumulators always qualify).
        if amin == -128 && amax == 127 {
            XCTAssertTrue(shifts.allSatisfy { $0 <= -1 && $0 >= -22 }, what)
            // As the layer is, with channel 0's multiplier moved to [1/2, 1) (shift 0, the case
            // the kernels' sign mask is for), and for depthwise layers to [2, 4) on channels 0
            // and 5 (a left shift of 2, folded into the widened weights), against the exact
            // rules for the same shifts.
            for variant in depthwise ? [nil, 0, 2] : [nil, 0] as [Int32?] {
                var sh = shifts
                if let v = variant { sh[0] = v; if v > 0 && cout > 5 { sh[5] = v } }
                let exact = variant == nil ? out : mantissas.withUnsafeBufferPointer { m in sh.withUnsafeBufferPointer { s in
                    run(ExactRequantizer(mantissas: m.baseAddress!, shifts: s.baseAddress!, outputZeroPoint: qOut.zeroPoint,
                                         activationMin: amin, activationMax: amax))
                } }
                var table = [Int32](repeating: 0, count: BoundedRequantizer.recordWords * cout)
                let flags = BoundedRequantizer.prepare(mantissas: mantissas, shifts: sh, outputZeroPoint: qOut.zeroPoint,
                                                       channels: cout, into: &table)
                XCTAssertEqual(flags.masked, variant != nil)
                let bounded = table.withUnsafeBufferPointer { t in sh.withUnsafeBufferPointer { s in
                    run(BoundedRequantizer(table: t.baseAddress!, masked: flags.masked, leftShifts: flags.leftShifted ? s.baseAddress : nil))
                } }
                XCTAssertEqual(bounded, exact, "\(what) (channel 0's shift \(variant.map(String.init) ?? "as is")): bounded requantization differs from the exact rules")
            }
            boundedChecks += 1
        }
        assertWithinOneStep(out, ys, reference, qOut, what)
    }

    func testDenseConvolutions() throws {
        try checkConv(cin: 3, cout: 8, h: 9, w: 11, kernel: 3, stride: 2, padding: 1, dilation: 1, depthwise: false, activation: .relu6, "stem 3x3 s2")
        try checkConv(cin: 12, cout: 5, h: 7, w: 6, kernel: 3, stride: 1, padding: 1, dilation: 1, depthwise: false, activation: .none, "head 3x3")
        try checkConv(cin: 16, cout: 24, h: 5, w: 5, kernel: 1, stride: 1, padding: 0, dilation: 1, depthwise: false, activation: .relu6, "1x1")
        try checkConv(cin: 7, cout: 9, h: 6, w: 8, kernel: 1, stride: 2, padding: 0, dilation: 1, depthwise: false, activation: .relu, "1x1 s2")
        try checkConv(cin: 6, cout: 4, h: 12, w: 12, kernel: 3, stride: 2, padding: 2, dilation: 2, depthwise: false, activation: .relu6, "3x3 s2 d2")
        try checkConv(cin: 9, cout: 6, h: 7, w: 9, kernel: 1, stride: 1, padding: 0, dilation: 1, depthwise: false, activation: .none, "1x1 linear")
        XCTAssertGreaterThanOrEqual(boundedChecks, 2, "the bounded requantizer was compared on too few layers")
    }

    func testDepthwiseConvolutions() throws {
        try checkConv(cin: 16, cout: 16, h: 8, w: 8, kernel: 3, stride: 1, padding: 1, dilation: 1, depthwise: true, activation: .relu6, "dw 3x3")
        try checkConv(cin: 10, cout: 10, h: 9, w: 7, kernel: 3, stride: 2, padding: 1, dilation: 1, depthwise: true, activation: .relu6, "dw 3x3 s2")
        try checkConv(cin: 12, cout: 12, h: 8, w: 8, kernel: 3, stride: 1, padding: 5, dilation: 5, depthwise: true, activation: .relu6, "dw 3x3 d5")
        try checkConv(cin: 8, cout: 8, h: 10, w: 6, kernel: 3, stride: 1, padding: 2, dilation: 2, depthwise: true, activation: .none, "dw 3x3 d2")
        try checkConv(cin: 13, cout: 13, h: 8, w: 8, kernel: 3, stride: 1, padding: 3, dilation: 3, depthwise: true, activation: .none, "dw 3x3 d3")
        XCTAssertGreaterThanOrEqual(boundedChecks, 2, "the bounded requantizer was compared on too few layers")
    }

    func testAdd() throws {
        let s = Shape3(5, 6, 7)
        let q1 = ActivationQuantization(range: -1, 3), q2 = ActivationQuantization(range: -4, 0.5)
        let (a, af) = randomInput(s, q1), (b, bf) = randomInput(s, q2)
        let reference = withNoGrad { add(af, bf) }
        let qo = ActivationQuantization(range: -4.5, 3.2)
        let twiceMax = 2 * max(q1.scale, q2.scale)
        let p = AddParameters(leftShift: 20, input1: try quantizeMultiplier(q1.scale / twiceMax), input1ZeroPoint: q1.zeroPoint,
                              input2: try quantizeMultiplier(q2.scale / twiceMax), input2ZeroPoint: q2.zeroPoint,
                              output: try quantizeMultiplier(twiceMax / (Double(1 << 20) * qo.scale)), outputZeroPoint: qo.zeroPoint,
                              activationMin: -128, activationMax: 127)
        var out = [Int8](repeating: 0, count: s.count)
        var scratch = [Int32](repeating: 0, count: addScratchBytes / 4)
        addInt8(a, b, &out, count: s.count, p, scratch: &scratch)
        assertWithinOneStep(out, s, reference, qo, "add")
    }

    /// addInt8's bounded path against TFLite's rules written out, for every pair of int8 inputs
    /// under several scale combinations (one input multiplier is always 1/2: shift 0).
    func testAddEqualsTheReferenceRulesForEveryInputPair() throws {
        let a = (0..<65536).map { Int8(truncatingIfNeeded: $0 & 255) }, b = (0..<65536).map { Int8(truncatingIfNeeded: $0 >> 8) }
        for (s1, s2, so, z1, z2, zo) in [(0.02, 0.05, 0.06, -3, 17, 5), (0.11, 0.011, 0.09, -128, 127, -128),
                                          (0.004, 0.004, 0.0035, 0, 0, 0), (0.3, 0.07, 0.9, 60, -100, 33)] as [(Double, Double, Double, Int32, Int32, Int32)] {
            let twiceMax = 2 * max(s1, s2)
            let p = AddParameters(leftShift: 20, input1: try quantizeMultiplier(s1 / twiceMax), input1ZeroPoint: z1,
                                  input2: try quantizeMultiplier(s2 / twiceMax), input2ZeroPoint: z2,
                                  output: try quantizeMultiplier(twiceMax / (Double(1 << 20) * so)), outputZeroPoint: zo,
                                  activationMin: -128, activationMax: 127)
            var out = [Int8](repeating: 0, count: a.count)
            var scratch = [Int32](repeating: 0, count: addScratchBytes / 4)
            addInt8(a, b, &out, count: a.count, p, scratch: &scratch)
            for i in 0..<a.count {
                let x1 = multiplyByQuantizedMultiplier((Int32(a[i]) - z1) << 20, p.input1)
                let x2 = multiplyByQuantizedMultiplier((Int32(b[i]) - z2) << 20, p.input2)
                let expected = clampToInt8(multiplyByQuantizedMultiplier(x1 + x2, p.output) + zo, -128, 127)
                if out[i] != expected { XCTFail("a \(a[i]) b \(b[i]) scales \(s1) \(s2) \(so): \(out[i]) != \(expected)"); return }
            }
        }
    }

    func testConcatenationIsExact() {
        let q = ActivationQuantization(range: -1, 1)
        let s1 = Shape3(3, 4, 2), s2 = Shape3(3, 4, 5)
        let (a, af) = randomInput(s1, q), (b, bf) = randomInput(s2, q)
        var out = [Int8](repeating: 0, count: 3 * 4 * 7)
        concatenateSlice(a, partChannels: 2, into: &out, totalChannels: 7, offset: 0, pixels: 12)
        concatenateSlice(b, partChannels: 5, into: &out, totalChannels: 7, offset: 2, pixels: 12)
        let reference = withNoGrad { concatChannels([af, bf]) }
        let back = nchw(out, Shape3(3, 4, 7), q)
        XCTAssertEqual(back.toArray(), reference.toArray())
    }

    func testPooling() {
        let q = ActivationQuantization(range: -2, 2)
        let xs = Shape3(9, 10, 3)
        let (x, xf) = randomInput(xs, q)
        for (maximum, k, s, p) in [(false, 9, 4, 4), (true, 9, 4, 4), (false, 3, 2, 1), (true, 2, 2, 0)] {
            let g = Pool2dGeometry(kernel: k, stride: s, padding: p)
            let reference = withNoGrad { maximum ? maxPool2d(xf, g) : avgPool2d(xf, g) }
            let ys = Shape3(reference.shape[2], reference.shape[3], 3)
            var out = [Int8](repeating: 0, count: ys.count)
            poolInt8(x, xs, &out, ys, geometry: ConvGeometry(kernelH: k, kernelW: k, strideH: s, strideW: s, padH: p, padW: p),
                     zeroPoint: q.zeroPoint, maximum: maximum)
            assertWithinOneStep(out, ys, reference, q, "\(maximum ? "max" : "avg") pool k\(k) s\(s) p\(p)")
        }
        for maximum in [false, true] {
            let reference = withNoGrad { maximum ? globalMaxPool(xf) : globalAvgPool(xf) }
            var out = [Int8](repeating: 0, count: 3)
            globalPoolInt8(x, xs, &out, maximum: maximum)
            assertWithinOneStep(out, Shape3(1, 1, 3), reference, q, maximum ? "global max" : "global avg")
        }
    }

    func testBilinearResize() {
        let q = ActivationQuantization(range: -3, 5)
        // Integer ratios (the models' x8 upsampling, x2 down) are within one step. Other ratios
        // carry TFLite's 10-bit coordinate rounding: 5 -> 12 puts a coordinate up to 4/1024 of
        // a pixel off, which random neighbours 255 steps apart turn into up to 1.5 steps.
        for (xs, oh, ow, steps) in [(Shape3(8, 8, 11), 64, 64, Float(1)), (Shape3(4, 6, 5), 16, 24, 1),
                                    (Shape3(16, 12, 2), 8, 6, 1), (Shape3(5, 7, 3), 12, 9, 1.5)] {
            let (x, xf) = randomInput(xs, q)
            let reference = withNoGrad { resizeBilinear(xf, height: oh, width: ow) }
            let ys = Shape3(oh, ow, xs.channels)
            var out = [Int8](repeating: 0, count: ys.count)
            resizeBilinearInt8(x, xs, &out, ys)
            assertWithinOneStep(out, ys, reference, q, steps: steps, "resize \(xs.height)x\(xs.width) -> \(oh)x\(ow)")
        }
    }

    func testArgMaxAndInputLookup() {
        let x: [Int8] = [1, 5, 5, -3, /**/ -128, -128, -128, -128, /**/ 7, 2, 9, 9]
        var y = [UInt8](repeating: 0, count: 3)
        argMaxChannels(x, &y, pixels: 3, channels: 4)
        XCTAssertEqual(y, [1, 0, 2])   // ties: the first maximum
        var table = [Int8](repeating: 0, count: 768)
        for c in 0..<3 { for v in 0..<256 { table[c * 256 + v] = Int8(truncatingIfNeeded: v / 2 - c) } }
        var out = [Int8](repeating: 0, count: 6)
        lookupInput([10, 20, 30, 255, 0, 1], &out, pixels: 2, channels: 3, table: table)
        XCTAssertEqual(out, [5, 9, 13, 127, -1, -2])
    }

    func testFusedUpsampleArgMaxEqualsResizeThenArgMax() {
        let q = ActivationQuantization(range: -3, 5)
        // The last case keeps logits in [-2, 2]: most pixels then have rounded ties, where the
        // first class must win exactly as in the unfused pair.
        for (xs, oh, ow, narrow) in [(Shape3(8, 8, 11), 64, 64, false), (Shape3(3, 5, 4), 10, 7, false),
                                     (Shape3(4, 6, 5), 29, 37, true)] {
            var (x, _) = randomInput(xs, q)
            if narrow { x = x.map { $0 % 3 } }
            let ys = Shape3(oh, ow, xs.channels)
            var resized = [Int8](repeating: 0, count: ys.count)
            resizeBilinearInt8(x, xs, &resized, ys)
            var expected = [UInt8](repeating: 0, count: oh * ow), fused = expected
            argMaxChannels(resized, &expected, pixels: oh * ow, channels: xs.channels)
            var scratch = [Int32](repeating: 0, count: resizeArgMaxScratchWords(xs, ys))
            resizeBilinearArgMax(x, xs, &fused, ys, scratch: &scratch)
            XCTAssertEqual(fused, expected)
        }
    }
}

/// The DSP helpers' host forms against their definitions (the firmware runs the instructions;
/// the end-to-end firmware tests compare the two).
final class DSPTests: XCTestCase {
    func testSignExtendAddIsTheZeroPointSubtraction() {
        var rng = SeededGenerator(seed: 7)
        for _ in 0..<2000 {
            let word = UInt32.random(in: 0...UInt32.max, using: &rng)
            let zp = Int32.random(in: -128...127, using: &rng)
            let pair = UInt32(UInt16(truncatingIfNeeded: -zp)) &* 0x0001_0001
            let bytes = (0..<4).map { Int32(Int8(truncatingIfNeeded: word >> (8 * $0))) }
            let even = hard_sxtab16(pair, word), odd = hard_sxtab16_odd(pair, word)
            func halves(_ v: UInt32) -> [Int32] { [Int32(Int16(truncatingIfNeeded: v)), Int32(Int16(truncatingIfNeeded: v >> 16))] }
            XCTAssertEqual(halves(even), [bytes[0] - zp, bytes[2] - zp])
            XCTAssertEqual(halves(odd), [bytes[1] - zp, bytes[3] - zp])
        }
    }
}
