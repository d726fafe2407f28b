// Bilinear resize to any output size, PyTorch's align_corners=False (half-pixel) rule:
// src = max((dst + 0.5) * in / out - 0.5, 0), i0 = floor(src), i1 = min(i0 + 1, in - 1),
// weights (1 - frac, frac). This is also ONNX Resize(linear, half_pixel) after the clamp.

/// Bilinear interpolation of x: (N, C, H, W) -> (N, C, outH, outW).
public func resizeBilinear(_ x: Tensor, height: Int, width: Int) -> Tensor {
    let (n, c, _, _) = x.nchw
    precondition(height > 0 && width > 0, "resizeBilinear: output size \(height)x\(width)")
    if let y = GraphTrace.intercept(.resize(height: height, width: width), [x], shape: [n, c, height, width]) { return y }
    let y = Tensor.uninitialized([n, c, height, width])
    Backend.dispatch("resize_bilinear", onednn: {
        BilinearResizeKernel.forward(x: x, y: y)
    }, reference: {
        ResizeReference.forward(x: x, y: y)
    })
    OpTrace.record("resize_bilinear", macs: 4 * y.count, output: y)
    return y.recorded("resize_bilinear", inputs: [x]) { dy in
        let dx = Tensor.uninitialized(x.shape)
        Backend.dispatch("resize_bilinear.backward", onednn: {
            BilinearResizeKernel.backward(dy: dy, dx: dx)
        }, reference: {
            ResizeReference.backward(dy: dy, dx: dx)
        })
        return [dx]
    }
}

enum ResizeReference {
    /// Source taps along one axis: (i0, i1, w0, w1) for each output index.
    static func taps(input: Int, output: Int) -> [(Int, Int, Float, Float)] {
        let scale = Float(input) / Float(output)
        return (0..<output).map { o in
            let src = max((Float(o) + 0.5) * scale - 0.5, 0)
            let i0 = min(Int(src), input - 1)
            let i1 = min(i0 + 1, input - 1)
            let frac = src - Float(i0)
            return (i0, i1, 1 - frac, frac)
        }
    }

    static func forward(x: Tensor, y: Tensor) {
        let (n, c, h, w) = x.nchw
        let (_, _, oh, ow) = y.nchw
        let ty = taps(input: h, output: oh), tx = taps(input: w, output: ow)
        for plane in 0..<(n * c) {
            let src = x.pointer + plane * h * w, dst = y.pointer + plane * oh * ow
            for (oy, (y0, y1, wy0, wy1)) in ty.enumerated() {
                for (ox, (x0, x1, wx0, wx1)) in tx.enumerated() {
                    dst[oy * ow + ox] = wy0 * (wx0 * src[y0 * w + x0] + wx1 * src[y0 * w + x1])
                        + wy1 * (wx0 * src[y1 * w + x0] + wx1 * src[y1 * w + x1])
                }
            }
        }
    }

    /// The transpose of forward: each output gradient is spread back onto its four taps.
    static func backward(dy: Tensor, dx: Tensor) {
        let (n, c, h, w) = dx.nchw
        let (_, _, oh, ow) = dy.nchw
        let ty = taps(input: h, output: oh), tx = taps(input: w, output: ow)
        dx.pointer.update(repeating: 0, count: dx.count)
        for plane in 0..<(n * c) {
            let g = dy.pointer + plane * oh * ow, d = dx.pointer + plane * h * w
            for (oy, (y0, y1, wy0, wy1)) in ty.enumerated() {
                for (ox, (x0, x1, wx0, wx1)) in tx.enumerated() {
                    let v = g[oy * ow + ox]
                    d[y0 * w + x0] += wy0 * wx0 * v
                    d[y0 * w + x1] += wy0 * wx1 * v
                    d[y1 * w + x0] += wy1 * wx0 * v
                    d[y1 * w + x1] += wy1 * wx1 * v
                }
            }
        }
    }
}
