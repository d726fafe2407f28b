// Average and max pooling with kernel, stride and zero padding (PyTorch: ceil_mode=False;
// average counts padded taps, count_include_pad=True; max ignores them), and the global
// variants that DAP's pooling filter uses (Eqs. 2-3: the p -> infinity limit is max).

public enum PoolKind: String, Sendable { case average, max }

/// Geometry of a 2-D pooling window.
public struct Pool2dGeometry: Hashable, Sendable, CustomStringConvertible {
    public var kernelH: Int, kernelW: Int
    public var strideH: Int, strideW: Int
    public var padH: Int, padW: Int

    public init(kernel: Int, stride: Int? = nil, padding: Int = 0) {
        self.init(kernel: (kernel, kernel), stride: (stride ?? kernel, stride ?? kernel), padding: (padding, padding))
    }

    public init(kernel: (Int, Int), stride: (Int, Int), padding: (Int, Int)) {
        precondition(kernel.0 > 0 && kernel.1 > 0 && stride.0 > 0 && stride.1 > 0,
                     "invalid pooling kernel \(kernel) stride \(stride)")
        precondition(padding.0 >= 0 && padding.1 >= 0 && padding.0 * 2 <= kernel.0 && padding.1 * 2 <= kernel.1,
                     "pooling padding \(padding) must be at most half the kernel \(kernel)")
        kernelH = kernel.0; kernelW = kernel.1
        strideH = stride.0; strideW = stride.1
        padH = padding.0; padW = padding.1
    }

    public var description: String { "k\(kernelH)x\(kernelW)s\(strideH)x\(strideW)p\(padH)x\(padW)" }

    public func outputSize(h: Int, w: Int) -> (Int, Int) {
        ((h + 2 * padH - kernelH) / strideH + 1, (w + 2 * padW - kernelW) / strideW + 1)
    }
}

/// Average pooling of x: (N, C, H, W) -> (N, C, OH, OW).
public func avgPool2d(_ x: Tensor, _ geometry: Pool2dGeometry) -> Tensor { pool2d(x, .average, geometry) }

/// Max pooling of x: (N, C, H, W) -> (N, C, OH, OW).
public func maxPool2d(_ x: Tensor, _ geometry: Pool2dGeometry) -> Tensor { pool2d(x, .max, geometry) }

/// Mean over each channel's plane: (N, C, H, W) -> (N, C, 1, 1).
public func globalAvgPool(_ x: Tensor) -> Tensor {
    let (_, _, h, w) = x.nchw
    return pool2d(x, .average, Pool2dGeometry(kernel: (h, w), stride: (1, 1), padding: (0, 0)), op: "global_avg_pool")
}

/// Maximum over each channel's plane: (N, C, H, W) -> (N, C, 1, 1).
public func globalMaxPool(_ x: Tensor) -> Tensor {
    let (_, _, h, w) = x.nchw
    return pool2d(x, .max, Pool2dGeometry(kernel: (h, w), stride: (1, 1), padding: (0, 0)), op: "global_max_pool")
}

func pool2d(_ x: Tensor, _ kind: PoolKind, _ g: Pool2dGeometry, op: String? = nil) -> Tensor {
    let name = op ?? (kind == .max ? "max_pool" : "avg_pool")
    let (n, c, h, w) = x.nchw
    let (oh, ow) = g.outputSize(h: h, w: w)
    precondition(oh > 0 && ow > 0, "\(name): input \(x.shape) too small for \(g)")
    if let y = GraphTrace.intercept(op == nil ? .pool(kind, g) : .globalPool(kind), [x], shape: [n, c, oh, ow]) { return y }
    let y = Tensor.uninitialized([n, c, oh, ow])
    // What backward needs to route max gradients: oneDNN's workspace or the reference argmax.
    var workspace: RawBuffer? = nil
    var argmax: [Int32] = []
    Backend.dispatch(name, onednn: {
        workspace = try DNNLPooling.forward(kind, g, x: x, y: y)
    }, reference: {
        argmax = PoolReference.forward(kind, g, x: x, y: y)
    })
    OpTrace.record(name, macs: y.count * g.kernelH * g.kernelW, output: y)
    return y.recorded(name, inputs: [x]) { dy in
        let dx = Tensor.uninitialized(x.shape)
        // Max pooling on oneDNN needs the forward's workspace; without one (the forward ran
        // on the reference kernel) the backward does too.
        let hasWorkspace = kind == .average || workspace != nil
        Backend.dispatch(name + ".backward", onednn: {
            guard hasWorkspace else { throw DNNLError(call: name, status: "forward kept no workspace") }
            try DNNLPooling.backward(kind, g, dy: dy, dx: dx, workspace: workspace)
        }, reference: {
            let a = kind == .max && argmax.isEmpty ? PoolReference.argmax(g, x: x, outShape: dy.shape) : argmax
            PoolReference.backward(kind, g, dy: dy, dx: dx, argmax: a)
        })
        return [dx]
    }
}

enum PoolReference {
    /// Computes y; for max pooling returns the flat input index (within the plane) of each
    /// output's maximum, the first one in scan order on ties, as PyTorch.
    static func forward(_ kind: PoolKind, _ g: Pool2dGeometry, x: Tensor, y: Tensor) -> [Int32] {
        let (n, c, h, w) = x.nchw
        let (_, _, oh, ow) = y.nchw
        var argmax = kind == .max ? [Int32](repeating: 0, count: y.count) : []
        let area = Float(g.kernelH * g.kernelW)
        for plane in 0..<(n * c) {
            let src = x.pointer + plane * h * w
            for oy in 0..<oh {
                for ox in 0..<ow {
                    var sum: Float = 0
                    var best = -Float.infinity
                    var bestIndex = -1
                    for ky in 0..<g.kernelH {
                        let iy = oy * g.strideH - g.padH + ky
                        if iy < 0 || iy >= h { continue }
                        for kx in 0..<g.kernelW {
                            let ix = ox * g.strideW - g.padW + kx
                            if ix < 0 || ix >= w { continue }
                            let v = src[iy * w + ix]
                            sum += v
                            if v > best || bestIndex < 0 { best = v; bestIndex = iy * w + ix }
                        }
                    }
                    let o = (plane * oh + oy) * ow + ox
                    if kind == .max {
                        y.pointer[o] = best
                        argmax[o] = Int32(bestIndex)
                    } else {
                        y.pointer[o] = sum / area
                    }
                }
            }
        }
        return argmax
    }

    static func argmax(_ g: Pool2dGeometry, x: Tensor, outShape: [Int]) -> [Int32] {
        forward(.max, g, x: x, y: Tensor.uninitialized(outShape))
    }

    static func backward(_ kind: PoolKind, _ g: Pool2dGeometry, dy: Tensor, dx: Tensor, argmax: [Int32]) {
        let (n, c, h, w) = dx.nchw
        let (_, _, oh, ow) = dy.nchw
        dx.pointer.update(repeating: 0, count: dx.count)
        let area = Float(g.kernelH * g.kernelW)
        for plane in 0..<(n * c) {
            let d = dx.pointer + plane * h * w
            for oy in 0..<oh {
                for ox in 0..<ow {
                    let o = (plane * oh + oy) * ow + ox
                    let v = dy.pointer[o]
                    if kind == .max {
                        d[Int(argmax[o])] += v
                        continue
                    }
                    for ky in 0..<g.kernelH {
                        let iy = oy * g.strideH - g.padH + ky
                        if iy < 0 || iy >= h { continue }
                        for kx in 0..<g.kernelW {
                            let ix = ox * g.strideW - g.padW + kx
                            if ix < 0 || ix >= w { continue }
                            d[iy * w + ix] += v / area
                        }
                    }
                }
            }
        }
    }
}
