// conv2d: forward, backward, the reference kernels, and the dispatch to oneDNN.
// PyTorch semantics: weight (Cout, Cin/groups, kH, kW), symmetric zero padding,
// output size floor((H + 2p - d(k-1) - 1) / s) + 1.

/// Geometry of a 2-D convolution (stride, zero padding, dilation per axis, groups).
public struct Conv2dGeometry: Hashable, Sendable, CustomStringConvertible {
    public var strideH: Int, strideW: Int
    public var padH: Int, padW: Int
    public var dilationH: Int, dilationW: Int
    public var groups: Int

    public init(stride: Int = 1, padding: Int = 0, dilation: Int = 1, groups: Int = 1) {
        self.init(stride: (stride, stride), padding: (padding, padding), dilation: (dilation, dilation), groups: groups)
    }

    public init(stride: (Int, Int), padding: (Int, Int), dilation: (Int, Int), groups: Int) {
        precondition(stride.0 > 0 && stride.1 > 0 && dilation.0 > 0 && dilation.1 > 0 && groups > 0 && padding.0 >= 0 && padding.1 >= 0,
                     "invalid conv geometry stride \(stride) padding \(padding) dilation \(dilation) groups \(groups)")
        strideH = stride.0; strideW = stride.1
        padH = padding.0; padW = padding.1
        dilationH = dilation.0; dilationW = dilation.1
        self.groups = groups
    }

    public var description: String {
        "s\(strideH)x\(strideW)p\(padH)x\(padW)d\(dilationH)x\(dilationW)g\(groups)"
    }

    /// Output spatial size for an input of `h x w` and a `kh x kw` kernel.
    public func outputSize(h: Int, w: Int, kh: Int, kw: Int) -> (Int, Int) {
        let oh = (h + 2 * padH - dilationH * (kh - 1) - 1) / strideH + 1
        let ow = (w + 2 * padW - dilationW * (kw - 1) - 1) / strideW + 1
        return (oh, ow)
    }
}

/// The shapes of one convolution, checked once.
struct ConvShapes {
    let n: Int, cin: Int, h: Int, w: Int
    let cout: Int, kh: Int, kw: Int
    let oh: Int, ow: Int
    let g: Conv2dGeometry

    init(x: [Int], weight: [Int], geometry g: Conv2dGeometry) {
        precondition(x.count == 4 && weight.count == 4, "conv2d: x \(x) and weight \(weight) must be rank 4")
        n = x[0]; cin = x[1]; h = x[2]; w = x[3]
        cout = weight[0]; kh = weight[2]; kw = weight[3]
        precondition(cin % g.groups == 0 && cout % g.groups == 0 && weight[1] == cin / g.groups,
                     "conv2d: x \(x), weight \(weight) do not fit groups \(g.groups)")
        (oh, ow) = g.outputSize(h: h, w: w, kh: kh, kw: kw)
        precondition(oh > 0 && ow > 0, "conv2d: input \(x) too small for kernel \(weight) with \(g)")
        self.g = g
    }

    var outShape: [Int] { [n, cout, oh, ow] }
    var cinPerGroup: Int { cin / g.groups }
    var coutPerGroup: Int { cout / g.groups }
    var key: String { "\(n)x\(cin)x\(h)x\(w)-\(cout)x\(kh)x\(kw)-\(g)" }
}

/// 2-D convolution. x: (N, Cin, H, W), weight: (Cout, Cin/groups, kH, kW),
/// bias: (Cout) or nil. Returns (N, Cout, OH, OW).
public func conv2d(_ x: Tensor, weight: Tensor, bias: Tensor? = nil, geometry: Conv2dGeometry = Conv2dGeometry()) -> Tensor {
    let s = ConvShapes(x: x.shape, weight: weight.shape, geometry: geometry)
    if let bias { precondition(bias.shape == [s.cout], "conv2d: bias \(bias.shape) for \(s.cout) output channels") }
    if let y = GraphTrace.intercept(.convolution(ConvolutionNode(weight: weight, bias: bias, geometry: geometry)), [x], shape: s.outShape) {
        return y
    }
    let training = Autograd.isRecording && (x.requiresGrad || weight.requiresGrad || bias?.requiresGrad == true)
    let y = Tensor.uninitialized(s.outShape)
    Backend.dispatch("conv2d", onednn: {
        if DepthwiseConvKernel.applies(s) {
            DepthwiseConvKernel.forward(s, x: x.pointer, weight: weight.pointer, bias: bias?.pointer, y: y.pointer)
        } else {
            try DNNLConvolution.forward(s, x: x, weight: weight, bias: bias, y: y, training: training)
        }
    }, reference: {
        ConvReference.forward(s, x: x.pointer, weight: weight.pointer, bias: bias?.pointer, y: y.pointer)
    })
    OpTrace.record("conv2d", macs: y.count * s.cinPerGroup * s.kh * s.kw, output: y)
    var inputs = [x, weight]
    if let bias { inputs.append(bias) }
    return y.recorded("conv2d", inputs: inputs) { dy in
        var dx: Tensor? = nil
        if x.requiresGrad {
            let t = Tensor.uninitialized(x.shape)
            Backend.dispatch("conv2d.backward_data", onednn: {
                if DepthwiseConvKernel.applies(s) {
                    DepthwiseConvKernel.backwardData(s, dy: dy.pointer, weight: weight.pointer, dx: t.pointer)
                } else {
                    try DNNLConvolution.backwardData(s, dy: dy, weight: weight, dx: t)
                }
            }, reference: {
                ConvReference.backwardData(s, dy: dy.pointer, weight: weight.pointer, dx: t.pointer)
            })
            dx = t
        }
        var dw: Tensor? = nil, db: Tensor? = nil
        if weight.requiresGrad || bias?.requiresGrad == true {
            let tw = Tensor.uninitialized(weight.shape)
            let tb = bias.map { _ in Tensor.uninitialized([s.cout]) }
            Backend.dispatch("conv2d.backward_weights", onednn: {
                if DepthwiseConvKernel.applies(s) {
                    DepthwiseConvKernel.backwardWeights(s, x: x.pointer, dy: dy.pointer, dw: tw.pointer, db: tb?.pointer)
                } else {
                    try DNNLConvolution.backwardWeights(s, x: x, dy: dy, dw: tw, db: tb)
                }
            }, reference: {
                ConvReference.backwardWeights(s, x: x.pointer, dy: dy.pointer, dw: tw.pointer, db: tb?.pointer)
            })
            dw = tw; db = tb
        }
        return bias == nil ? [dx, dw] : [dx, dw, db]
    }
}

/// conv2d followed by ReLU or ReLU6, in one pass where nothing needs a gradient
/// (inference): oneDNN applies the activation as a post-op, the depth-wise kernel clamps
/// each finished row. With autodiff recording it is exactly `relu6(conv2d(...))`.
public func conv2d(_ x: Tensor, weight: Tensor, bias: Tensor? = nil, geometry: Conv2dGeometry = Conv2dGeometry(),
                   activation: FusedActivation) -> Tensor {
    let needsGrad = Autograd.isRecording && (x.requiresGrad || weight.requiresGrad || bias?.requiresGrad == true)
    if needsGrad || activation == .none {
        let y = conv2d(x, weight: weight, bias: bias, geometry: geometry)
        switch activation {
        case .none: return y
        case .relu: return relu(y)
        case .relu6: return relu6(y)
        }
    }
    let s = ConvShapes(x: x.shape, weight: weight.shape, geometry: geometry)
    if let bias { precondition(bias.shape == [s.cout], "conv2d: bias \(bias.shape) for \(s.cout) output channels") }
    if let y = GraphTrace.intercept(.convolution(ConvolutionNode(weight: weight, bias: bias, geometry: geometry, activation: activation)),
                                    [x], shape: s.outShape) {
        return y
    }
    let kind: Activation = activation == .relu ? .relu : .relu6
    let y = Tensor.uninitialized(s.outShape)
    Backend.dispatch("conv2d+\(kind.rawValue)", onednn: {
        if DepthwiseConvKernel.applies(s) {
            DepthwiseConvKernel.forward(s, x: x.pointer, weight: weight.pointer, bias: bias?.pointer, y: y.pointer,
                                        clamp: kind == .relu ? (0, .infinity) : (0, 6))
        } else {
            try DNNLConvolution.forward(s, x: x, weight: weight, bias: bias, y: y, training: false, activation: kind.eltwise)
        }
    }, reference: {
        ConvReference.forward(s, x: x.pointer, weight: weight.pointer, bias: bias?.pointer, y: y.pointer)
        for i in 0..<y.count { y.pointer[i] = kind.apply(y.pointer[i]) }
    })
    OpTrace.record("conv2d", macs: y.count * s.cinPerGroup * s.kh * s.kw, output: y)
    return y
}

/// The activation `conv2d(_:weight:bias:geometry:activation:)` fuses.
public enum FusedActivation: Sendable { case none, relu, relu6 }

/// Plain loops over the definition; the oracle for the oneDNN kernels.
enum ConvReference {
    /// y[n, oc, oy, ox] = b[oc] + sum_{ic in group, ky, kx} x[n, ic, iy, ix] * w[oc, ic', ky, kx]
    /// with iy = oy*s - p + ky*d (taps outside the input read zero).
    static func forward(_ s: ConvShapes, x: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                        bias: UnsafePointer<Float>?, y: UnsafeMutablePointer<Float>) {
        let g = s.g
        for n in 0..<s.n {
            for oc in 0..<s.cout {
                let group = oc / s.coutPerGroup
                for oy in 0..<s.oh {
                    for ox in 0..<s.ow {
                        var acc: Float = bias?[oc] ?? 0
                        for icg in 0..<s.cinPerGroup {
                            let ic = group * s.cinPerGroup + icg
                            for ky in 0..<s.kh {
                                let iy = oy * g.strideH - g.padH + ky * g.dilationH
                                if iy < 0 || iy >= s.h { continue }
                                for kx in 0..<s.kw {
                                    let ix = ox * g.strideW - g.padW + kx * g.dilationW
                                    if ix < 0 || ix >= s.w { continue }
                                    acc += x[((n * s.cin + ic) * s.h + iy) * s.w + ix]
                                        * weight[((oc * s.cinPerGroup + icg) * s.kh + ky) * s.kw + kx]
                                }
                            }
                        }
                        y[((n * s.cout + oc) * s.oh + oy) * s.ow + ox] = acc
                    }
                }
            }
        }
    }

    /// dx = sum over every output tap that read x, of dy * w.
    static func backwardData(_ s: ConvShapes, dy: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                             dx: UnsafeMutablePointer<Float>) {
        let g = s.g
        dx.update(repeating: 0, count: s.n * s.cin * s.h * s.w)
        for n in 0..<s.n {
            for oc in 0..<s.cout {
                let group = oc / s.coutPerGroup
                for oy in 0..<s.oh {
                    for ox in 0..<s.ow {
                        let d = dy[((n * s.cout + oc) * s.oh + oy) * s.ow + ox]
                        for icg in 0..<s.cinPerGroup {
                            let ic = group * s.cinPerGroup + icg
                            for ky in 0..<s.kh {
                                let iy = oy * g.strideH - g.padH + ky * g.dilationH
                                if iy < 0 || iy >= s.h { continue }
                                for kx in 0..<s.kw {
                                    let ix = ox * g.strideW - g.padW + kx * g.dilationW
                                    if ix < 0 || ix >= s.w { continue }
                                    dx[((n * s.cin + ic) * s.h + iy) * s.w + ix] +=
                                        d * weight[((oc * s.cinPerGroup + icg) * s.kh + ky) * s.kw + kx]
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// dw[oc, ic', ky, kx] = sum_{n, oy, ox} dy * x at the tap; db[oc] = sum dy.
    static func backwardWeights(_ s: ConvShapes, x: UnsafePointer<Float>, dy: UnsafePointer<Float>,
                                dw: UnsafeMutablePointer<Float>, db: UnsafeMutablePointer<Float>?) {
        let g = s.g
        dw.update(repeating: 0, count: s.cout * s.cinPerGroup * s.kh * s.kw)
        db?.update(repeating: 0, count: s.cout)
        for n in 0..<s.n {
            for oc in 0..<s.cout {
                let group = oc / s.coutPerGroup
                for oy in 0..<s.oh {
                    for ox in 0..<s.ow {
                        let d = dy[((n * s.cout + oc) * s.oh + oy) * s.ow + ox]
                        db?[oc] += d
                        for icg in 0..<s.cinPerGroup {
                            let ic = group * s.cinPerGroup + icg
                            for ky in 0..<s.kh {
                                let iy = oy * g.strideH - g.padH + ky * g.dilationH
                                if iy < 0 || iy >= s.h { continue }
                                for kx in 0..<s.kw {
                                    let ix = ox * g.strideW - g.padW + kx * g.dilationW
                                    if ix < 0 || ix >= s.w { continue }
                                    dw[((oc * s.cinPerGroup + icg) * s.kh + ky) * s.kw + kx] +=
                                        d * x[((n * s.cin + ic) * s.h + iy) * s.w + ix]
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
