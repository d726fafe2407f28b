// A direct depth-wise convolution for NCHW, used by the fast backend in place of oneDNN
// 2.6, which runs every dilated depth-wise backward (and dilation > 2 forward) through
// im2col + GEMM: measured 128 ms for one backward-weights call of HARD-XXS's SA block at
// batch 8, 256x256, about 100x this kernel. Dilated depth-wise convolutions are the core
// of HARD's AIVB and SA modules, so this path matters for training and inference.
//
// Layout: x (N, C, H, W), weight (C, 1, kH, kW), y (N, C, OH, OW); one channel plane per
// work item. Inner loops run along a row of the output, over the range of output columns
// whose tap falls inside the input, so they have no branches and vectorise.

enum DepthwiseConvKernel {
    /// True when this kernel handles the convolution (one filter per input channel).
    static func applies(_ s: ConvShapes) -> Bool {
        s.g.groups == s.cin && s.cout == s.cin
    }

    /// Output columns ox in [lo, hi) whose input column ox*stride - pad + kx*dil is in [0, w).
    @inline(__always)
    static func columnRange(_ s: ConvShapes, kx: Int) -> (Int, Int) {
        let g = s.g
        let offset = kx * g.dilationW - g.padW
        // ox*stride + offset >= 0  ->  ox >= ceil(-offset / stride)
        let lo = offset >= 0 ? 0 : (-offset + g.strideW - 1) / g.strideW
        // ox*stride + offset <= w - 1  ->  ox <= floor((w - 1 - offset) / stride)
        let last = s.w - 1 - offset
        let hi = last < 0 ? 0 : min(s.ow, last / g.strideW + 1)
        return (lo, max(lo, hi))
    }

    /// `clamp`: an activation fused into the kernel, applied to each finished output row.
    static func forward(_ s: ConvShapes, x: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                        y: UnsafeMutablePointer<Float>, clamp: (low: Float, high: Float)? = nil) {
        let g = s.g, k2 = s.kh * s.kw
        let ranges = (0..<s.kw).map { columnRange(s, kx: $0) }
        parallelFor(s.n * s.cin) { plane in
            let c = plane % s.cin
            let src = x + plane * s.h * s.w, dst = y + plane * s.oh * s.ow, w = weight + c * k2
            let b = bias?[c] ?? 0
            for oy in 0..<s.oh {
                let row = dst + oy * s.ow
                for ox in 0..<s.ow { row[ox] = b }
                for ky in 0..<s.kh {
                    let iy = oy * g.strideH - g.padH + ky * g.dilationH
                    if iy < 0 || iy >= s.h { continue }
                    let inRow = src + iy * s.w
                    for kx in 0..<s.kw {
                        let wv = w[ky * s.kw + kx]
                        let (lo, hi) = ranges[kx]
                        let offset = kx * g.dilationW - g.padW
                        if g.strideW == 1 {
                            let shifted = inRow + offset
                            for ox in lo..<hi { row[ox] += wv * shifted[ox] }
                        } else {
                            // Strided: ox * stride + offset stays inside the row for ox in
                            // [lo, hi) (columnRange), so the index arithmetic wraps unchecked;
                            // a checked multiply per element cost a third of this kernel.
                            let stride = g.strideW
                            var i = lo &* stride &+ offset
                            for ox in lo..<hi { row[ox] += wv * inRow[i]; i &+= stride }
                        }
                    }
                }
                if let (low, high) = clamp { for ox in 0..<s.ow { row[ox] = min(max(row[ox], low), high) } }
            }
        }
    }

    static func backwardData(_ s: ConvShapes, dy: UnsafePointer<Float>, weight: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>) {
        let g = s.g, k2 = s.kh * s.kw
        let ranges = (0..<s.kw).map { columnRange(s, kx: $0) }
        parallelFor(s.n * s.cin) { plane in
            let c = plane % s.cin
            let grad = dy + plane * s.oh * s.ow, dst = dx + plane * s.h * s.w, w = weight + c * k2
            dst.update(repeating: 0, count: s.h * s.w)
            for oy in 0..<s.oh {
                let gRow = grad + oy * s.ow
                for ky in 0..<s.kh {
                    let iy = oy * g.strideH - g.padH + ky * g.dilationH
                    if iy < 0 || iy >= s.h { continue }
                    let outRow = dst + iy * s.w
                    for kx in 0..<s.kw {
                        let wv = w[ky * s.kw + kx]
                        let (lo, hi) = ranges[kx]
                        let offset = kx * g.dilationW - g.padW
                        if g.strideW == 1 {
                            let shifted = outRow + offset
                            for ox in lo..<hi { shifted[ox] += wv * gRow[ox] }
                        } else {
                            let stride = g.strideW   // in-bounds by columnRange, as in forward
                            var i = lo &* stride &+ offset
                            for ox in lo..<hi { outRow[i] += wv * gRow[ox]; i &+= stride }
                        }
                    }
                }
            }
        }
    }

    /// dw[c, ky, kx] = sum over batch and output pixels of dy * the tapped input; db[c] = sum dy.
    static func backwardWeights(_ s: ConvShapes, x: UnsafePointer<Float>, dy: UnsafePointer<Float>,
                                dw: UnsafeMutablePointer<Float>, db: UnsafeMutablePointer<Float>?) {
        let g = s.g, k2 = s.kh * s.kw
        let ranges = (0..<s.kw).map { columnRange(s, kx: $0) }
        parallelFor(s.cin) { c in
            var acc = [Double](repeating: 0, count: k2)
            var biasAcc: Double = 0
            for n in 0..<s.n {
                let plane = n * s.cin + c
                let src = x + plane * s.h * s.w, grad = dy + plane * s.oh * s.ow
                if db != nil { biasAcc += Double(simdSum(grad, s.oh * s.ow)) }
                for ky in 0..<s.kh {
                    for kx in 0..<s.kw {
                        let (lo, hi) = ranges[kx]
                        let offset = kx * g.dilationW - g.padW
                        var sum: Float = 0
                        for oy in 0..<s.oh {
                            let iy = oy * g.strideH - g.padH + ky * g.dilationH
                            if iy < 0 || iy >= s.h { continue }
                            let inRow = src + iy * s.w, gRow = grad + oy * s.ow
                            if g.strideW == 1 {
                                if hi > lo { sum += simdDot(gRow + lo, inRow + offset + lo, hi - lo) }
                            } else {
                                let stride = g.strideW   // in-bounds by columnRange, as in forward
                                var i = lo &* stride &+ offset
                                for ox in lo..<hi { sum += gRow[ox] * inRow[i]; i &+= stride }
                            }
                        }
                        acc[ky * s.kw + kx] += Double(sum)
                    }
                }
            }
            for k in 0..<k2 { dw[c * k2 + k] = Float(acc[k]) }
            db?[c] = Float(biasAcc)
        }
    }
}
