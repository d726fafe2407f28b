import CFastKernels

// Own kernels on nChw8c buffers: element (c, y, x) of a (C, H, W) map is at
// ((c / 8 * H + y) * W + x) * 8 + c % 8; lanes past C are zero. One SIMD8 per pixel and block.

@inline(__always)
func simd8(_ p: UnsafeMutablePointer<Float>) -> UnsafeMutablePointer<SIMD8<Float>> {
    UnsafeMutableRawPointer(p).assumingMemoryBound(to: SIMD8<Float>.self)
}

enum BlockedKernels {
    static func add(_ a: UnsafeMutablePointer<Float>, _ b: UnsafeMutablePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        let va = simd8(a), vb = simd8(b), vy = simd8(y)
        let vectors = count / 8
        let chunks = max(1, min(vectors / 4096, 64))   // at least 32k floats a chunk
        parallelFor(chunks) { part in
            let lo = vectors * part / chunks, hi = vectors * (part + 1) / chunks
            for i in lo..<hi { vy[i] = va[i] + vb[i] }
        }
    }

    /// Channel concatenation: whole blocks where a part starts on a block boundary, channel by
    /// channel otherwise (parts are written in order, so a later part overwrites the zero
    /// padding lanes an earlier part's last block brought along).
    static func concat(_ parts: [(UnsafeMutablePointer<Float>, Int, Int)], into y: UnsafeMutablePointer<Float>,
                       totalChannels: Int, hw: Int) {
        for (x, channels, offset) in parts {
            if offset % 8 == 0 {
                (y + offset / 8 * hw * 8).update(from: x, count: BlockedLayout.blocks(channels) * hw * 8)
            } else {
                for c in 0..<channels {
                    let src = x + (c / 8) * hw * 8 + c % 8
                    let dc = offset + c
                    let dst = y + (dc / 8) * hw * 8 + dc % 8
                    for p in 0..<hw { dst[p * 8] = src[p * 8] }
                }
            }
        }
    }

    static func globalPool(_ x: UnsafeMutablePointer<Float>, _ y: UnsafeMutablePointer<Float>, channels: Int, hw: Int, maximum: Bool) {
        let vx = simd8(x), vy = simd8(y)
        for cb in 0..<BlockedLayout.blocks(channels) {
            var acc = maximum ? SIMD8<Float>(repeating: -.infinity) : SIMD8<Float>(repeating: 0)
            for p in 0..<hw {
                let v = vx[cb * hw + p]
                acc = maximum ? pointwiseMax(acc, v) : acc + v
            }
            if !maximum { acc /= Float(hw) }
            // Padding lanes: -inf from max would break the zero-padding rule.
            for lane in 0..<8 where cb * 8 + lane >= channels { acc[lane] = 0 }
            vy[cb] = acc
        }
    }
}

/// Depthwise convolution (channel multiplier 1) with bias and ReLU/ReLU6, on blocks of 8
/// channels: per output pixel one SIMD8 accumulator per block, over the in-bounds taps only.
final class BlockedDepthwise {
    let weights: [SIMD8<Float>]   // [block][kh][kw]
    let bias: [SIMD8<Float>]      // [block]
    let g: Conv2dGeometry
    let kh: Int, kw: Int
    let input: [Int], output: [Int]
    let activation: FusedActivation

    init(weight: Tensor, bias b: Tensor?, geometry: Conv2dGeometry, activation: FusedActivation, input: [Int], output: [Int]) {
        let c = weight.shape[0]
        kh = weight.shape[2]; kw = weight.shape[3]
        let blocks = BlockedLayout.blocks(c)
        var w = [SIMD8<Float>](repeating: .zero, count: blocks * kh * kw)
        var bb = [SIMD8<Float>](repeating: .zero, count: blocks)
        for ch in 0..<c {
            for k in 0..<(kh * kw) { w[(ch / 8) * kh * kw + k][ch % 8] = weight.pointer[ch * kh * kw + k] }
            bb[ch / 8][ch % 8] = b?.pointer[ch] ?? 0
        }
        weights = w
        bias = bb
        g = geometry
        self.input = input
        self.output = output
        self.activation = activation
    }

    func run(_ x: UnsafeMutablePointer<Float>, _ y: UnsafeMutablePointer<Float>) {
        let (h, w) = (input[2], input[3]), (oh, ow) = (output[2], output[3])
        let blocks = BlockedLayout.blocks(input[1])
        let g = self.g, kh = self.kh, kw = self.kw, act = activation
        // In-bounds tap ranges per output column, the same for every row and block.
        var kx0 = [Int32](repeating: 0, count: ow), kx1 = [Int32](repeating: Int32(kw), count: ow)
        for ox in 0..<ow {
            let ix0 = ox * g.strideW - g.padW
            while kx0[ox] < kw && ix0 + Int(kx0[ox]) * g.dilationW < 0 { kx0[ox] += 1 }
            while kx1[ox] > kx0[ox] && ix0 + Int(kx1[ox] - 1) * g.dilationW >= w { kx1[ox] -= 1 }
        }
        let code: Int32 = act == .none ? 0 : act == .relu ? 1 : 2
        weights.withUnsafeBufferPointer { wp in
            bias.withUnsafeBufferPointer { bp in
                kx0.withUnsafeBufferPointer { kx0 in kx1.withUnsafeBufferPointer { kx1 in
                    let wf = UnsafeRawPointer(wp.baseAddress!).assumingMemoryBound(to: Float.self)
                    let bf = UnsafeRawPointer(bp.baseAddress!).assumingMemoryBound(to: Float.self)
                    parallelFor(blocks * oh) { job in
                        let cb = job / oh, oy = job % oh
                        hard_depthwise_block_row(x + cb * h * w * 8, y + (cb * oh + oy) * ow * 8, wf + cb * kh * kw * 8,
                                                 bf + cb * 8, Int32(h), Int32(w), Int32(ow), Int32(oy), Int32(kh), Int32(kw),
                                                 Int32(g.strideH), Int32(g.strideW), Int32(g.padH), Int32(g.padW),
                                                 Int32(g.dilationH), Int32(g.dilationW), kx0.baseAddress!, kx1.baseAddress!, code)
                    }
                } }
            }
        }
        // Padding lanes stay zero: their weights and bias are zero, and ReLU keeps 0 at 0.
    }
}

/// Bilinear resize (align_corners = false, as `resizeBilinear`) from a blocked map, to a
/// blocked map or to plain NCHW (the model's logits).
final class BlockedResize {
    let ty: (i0: [Int], i1: [Int], w0: [Float], w1: [Float])
    let tx: (i0: [Int], i1: [Int], w0: [Float], w1: [Float])
    let input: [Int]
    let oh: Int, ow: Int

    init(input: [Int], height: Int, width: Int) {
        let y = ResizeReference.taps(input: input[2], output: height), x = ResizeReference.taps(input: input[3], output: width)
        ty = (y.map(\.0), y.map(\.1), y.map(\.2), y.map(\.3))
        tx = (x.map(\.0), x.map(\.1), x.map(\.2), x.map(\.3))
        self.input = input
        oh = height; ow = width
    }

    /// One output row of block cb into `row` (ow SIMD8 values).
    @inline(__always)
    func resampleRow(_ vx: UnsafeMutablePointer<SIMD8<Float>>, _ cb: Int, _ oy: Int, _ row: UnsafeMutablePointer<SIMD8<Float>>) {
        let (h, w) = (input[2], input[3])
        let r0 = vx + (cb * h + ty.i0[oy]) * w, r1 = vx + (cb * h + ty.i1[oy]) * w
        let a = SIMD8<Float>(repeating: ty.w0[oy]), b = SIMD8<Float>(repeating: ty.w1[oy])
        tx.i0.withUnsafeBufferPointer { i0 in tx.i1.withUnsafeBufferPointer { i1 in
            tx.w0.withUnsafeBufferPointer { w0 in tx.w1.withUnsafeBufferPointer { w1 in
                for ox in 0..<ow {
                    let c0 = i0[ox], c1 = i1[ox]
                    let p = SIMD8<Float>(repeating: w0[ox]), q = SIMD8<Float>(repeating: w1[ox])
                    row[ox] = a * (p * r0[c0] + q * r0[c1]) + b * (p * r1[c0] + q * r1[c1])
                }
            } }
        } }
    }

    func run(_ x: UnsafeMutablePointer<Float>, blocked y: UnsafeMutablePointer<Float>) {
        let vx = simd8(x), vy = simd8(y)
        let blocks = BlockedLayout.blocks(input[1])
        parallelFor(blocks * oh) { job in
            let cb = job / oh, oy = job % oh
            resampleRow(vx, cb, oy, vy + (cb * oh + oy) * ow)
        }
    }

    /// To plain NCHW, separably: each input row is resampled horizontally once per block into
    /// eight contiguous lane rows (an x8 upsampling reuses a pair of them for 8 output rows),
    /// then every output row is a two-row blend written contiguously per channel plane.
    func run(_ x: UnsafeMutablePointer<Float>, plain y: UnsafeMutablePointer<Float>) {
        let vx = simd8(x)
        let (h, w) = (input[2], input[3])
        let channels = input[1], blocks = BlockedLayout.blocks(channels)
        let ow = self.ow, oh = self.oh
        let bands = max(1, min(oh, 16))
        parallelFor(blocks * bands) { job in
            let cb = job / bands, band = job % bands
            let y0 = oh * band / bands, y1 = oh * (band + 1) / bands
            let lanes = min(8, channels - cb * 8)
            // Two cached horizontally resampled input rows, lane-major: [lane][ox].
            let rowA = UnsafeMutablePointer<Float>.allocate(capacity: 8 * ow)
            let rowB = UnsafeMutablePointer<Float>.allocate(capacity: 8 * ow)
            defer { rowA.deallocate(); rowB.deallocate() }
            var keyA = -1, keyB = -1
            var a = rowA, b = rowB
            func resample(_ r: Int, into out: UnsafeMutablePointer<Float>) {
                let line = vx + (cb * h + r) * w
                tx.i0.withUnsafeBufferPointer { i0 in tx.i1.withUnsafeBufferPointer { i1 in
                    tx.w0.withUnsafeBufferPointer { w0 in tx.w1.withUnsafeBufferPointer { w1 in
                        for ox in 0..<ow {
                            let v = w0[ox] * line[i0[ox]] + w1[ox] * line[i1[ox]]
                            for lane in 0..<8 { out[lane * ow + ox] = v[lane] }
                        }
                    } }
                } }
            }
            for oy in y0..<y1 {
                let r0 = ty.i0[oy], r1 = ty.i1[oy]
                if keyA != r0 {
                    if keyB == r0 { swap(&a, &b); swap(&keyA, &keyB) } else { resample(r0, into: a); keyA = r0 }
                }
                if keyB != r1 { resample(r1, into: b); keyB = r1 }
                let wa = ty.w0[oy], wb = ty.w1[oy]
                for lane in 0..<lanes {
                    let out = y + ((cb * 8 + lane) * oh + oy) * ow
                    let ra = a + lane * ow, rb = b + lane * ow
                    for ox in 0..<ow { out[ox] = wa * ra[ox] + wb * rb[ox] }
                }
            }
        }
    }
}
