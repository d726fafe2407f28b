import CMicroDSP

// int8 convolutions, NHWC, TFLite rules: acc = bias + sum over in-bounds taps of
// w * (x - inputZeroPoint); out = clamp(requantize(acc, M[c]) + outputZeroPoint).
// Dense convolutions use the folded bias (bias - inputZeroPoint * sum(w)) and treat a padded
// tap as the value inputZeroPoint, which is the same sum without the per-tap subtraction.

/// Height, width and channels of an NHWC tensor (batch 1).
public struct Shape3: Equatable {
    public var height: Int
    public var width: Int
    public var channels: Int

    public init(_ height: Int, _ width: Int, _ channels: Int) {
        self.height = height; self.width = width; self.channels = channels
    }

    public var count: Int { height * width * channels }
}

public struct ConvGeometry: Equatable {
    public var kernelH: Int, kernelW: Int
    public var strideH: Int, strideW: Int
    public var padH: Int, padW: Int
    public var dilationH: Int, dilationW: Int

    public init(kernelH: Int, kernelW: Int, strideH: Int = 1, strideW: Int = 1, padH: Int = 0, padW: Int = 0,
                dilationH: Int = 1, dilationW: Int = 1) {
        self.kernelH = kernelH; self.kernelW = kernelW; self.strideH = strideH; self.strideW = strideW
        self.padH = padH; self.padW = padW; self.dilationH = dilationH; self.dilationW = dilationW
    }

    public func outputSize(_ h: Int, _ w: Int) -> (Int, Int) {
        ((h + 2 * padH - (kernelH - 1) * dilationH - 1) / strideH + 1,
         (w + 2 * padW - (kernelW - 1) * dilationW - 1) / strideW + 1)
    }
}

/// Bytes of one dense weight row (and im2col column): kh * kw * Cin rounded up to 4, so the
/// dot products can read whole words. The padding weights are zero.
@inline(__always)
public func denseRowBytes(kernelH: Int, kernelW: Int, inputChannels: Int) -> Int {
    (kernelH * kernelW * inputChannels + 3) & ~3
}

/// Dense convolution. weights: [Cout][rowBytes] ([kh][kw][Cin] then zero padding);
/// foldedBias: [Cout]; scratch: `denseScratchBytes` (six int8 im2col columns when the
/// kernel is not 1x1, and six columns widened to int16).
///
/// Six output positions x one output channel per step. The six input columns are widened
/// once to int16, in the halfword order SXTB16 gives the weights (x0, x2, x1, x3 per word),
/// interleaved per four channels as [a02, a13, b02, b13, ..., f02, f13]; then per four input
/// channels one weight word is split into two halfword pairs (SXTB16) and shared by the six
/// positions: one load, two splits, six doubleword loads and twelve SMLADs make 24
/// multiply-accumulates (23 instructions with the loop, against 18 for 16 in CMSIS-NN's two
/// positions x two channels, which splits every weight word for two positions only). One
/// channel per step also keeps the channel loop short: its six outputs share one
/// requantization record, and the weight pointer runs on into the next channel's row. With the
/// bounded requantization the channel loop is `hard_dense_channels6_bounded` (assembly);
/// with the exact rules, and for the last positions when fewer than six are left, the dot
/// products are `hard_dense_dot6` and the requantization Swift's.
public func convolveDense<R: ChannelRequantizer>(
    input x: UnsafePointer<Int8>, _ xs: Shape3, inputZeroPoint zp: Int32,
    output y: UnsafeMutablePointer<Int8>, _ ys: Shape3, geometry g: ConvGeometry,
    weights: UnsafePointer<Int8>, foldedBias: UnsafePointer<Int32>,
    requantizer rq: R, scratch: UnsafeMutablePointer<Int8>) {
    let cin = xs.channels, cout = ys.channels
    let row = denseRowBytes(kernelH: g.kernelH, kernelW: g.kernelW, inputChannels: cin)
    let direct = g.kernelH == 1 && g.kernelW == 1 && g.padH == 0 && g.padW == 0 && cin == row
    let fill = Int8(truncatingIfNeeded: zp)
    let pixels = ys.height * ys.width
    let columns = scratch                                   // 6 x row int8 (im2col)
    let wide = UnsafeMutableRawPointer(scratch + (direct ? 0 : denseGroupPixels * row))
        .assumingMemoryBound(to: UInt32.self)               // 3 x row words: 12 per 4 channels, 8-aligned
    if !direct {
        // The padding bytes of the columns stay zero (their weights are zero too).
        columns.update(repeating: 0, count: denseGroupPixels * row)
    }

    /// The input column of output position p: in place for a 1x1 kernel, else im2col'd into
    /// `dst` with padded taps holding the input zero point.
    @inline(__always)
    func column(_ p: Int, _ dst: UnsafeMutablePointer<Int8>) -> UnsafePointer<Int8> {
        let oy = p / ys.width, ox = p &- oy &* ys.width
        if direct { return x + ((oy &* g.strideH) &* xs.width &+ ox &* g.strideW) &* cin }
        var d = dst
        var iy = oy &* g.strideH &- g.padH
        let ix0 = ox &* g.strideW &- g.padW
        if g.dilationW == 1 && ix0 >= 0 && ix0 &+ g.kernelW <= xs.width {
            // The whole kernel row is in bounds: its kw x Cin bytes are contiguous in NHWC, one
            // copy per row (the RGB stem: 9 bytes, not three copies of 3).
            let rowBytes = g.kernelW &* cin
            for _ in 0..<g.kernelH {
                if iy >= 0 && iy < xs.height {
                    copyBytes(d, x + (iy &* xs.width &+ ix0) &* cin, rowBytes)
                } else {
                    for i in 0..<rowBytes { d[i] = fill }
                }
                d += rowBytes
                iy &+= g.dilationH
            }
            return UnsafePointer(dst)
        }
        for _ in 0..<g.kernelH {
            var ix = ix0
            for _ in 0..<g.kernelW {
                if iy >= 0 && iy < xs.height && ix >= 0 && ix < xs.width {
                    copyBytes(d, x + (iy &* xs.width &+ ix) &* cin, cin)
                } else {
                    for i in 0..<cin { d[i] = fill }
                }
                d += cin
                ix &+= g.dilationW
            }
            iy &+= g.dilationH
        }
        return UnsafePointer(dst)
    }

    // Index arithmetic wraps (&+, &*): the blob validation bounds every size far below 2^31,
    // and the overflow checks would otherwise sit in the per-block path.
    let steps = row &>> 2                                   // >= 1
    let vStride = 2 &* denseGroupPixels                      // words per 4 channels (12: `hard_dense_dot6`)
    let steps32 = Int32(truncatingIfNeeded: steps), cout32 = Int32(truncatingIfNeeded: cout)
    let boundedTable = rq.boundedTable, masked32: Int32 = rq.boundedMasked ? 1 : 0

    /// Output positions p..<p+6 (`left` of them real; the missing ones repeat the last, their
    /// outputs land on its and are stored again with the same values). `full` and `doubled`
    /// are literals at every call site. With `doubled` the widened inputs and the biases are
    /// doubled, so the accumulators are 2 acc, which the bounded requantization takes as they
    /// are (one shift less per output, for one SADD16 per widened word).
    @inline(__always)
    func group(_ p: Int, _ left: Int, full: Bool, doubled: Bool) {
        var cols = (UnsafePointer<Int8>(columns), UnsafePointer<Int8>(columns), UnsafePointer<Int8>(columns),
                    UnsafePointer<Int8>(columns), UnsafePointer<Int8>(columns), UnsafePointer<Int8>(columns))
        cols.0 = column(p, columns)
        cols.1 = full || left > 1 ? column(p &+ 1, columns + row) : cols.0
        cols.2 = full || left > 2 ? column(p &+ 2, columns + 2 &* row) : cols.1
        cols.3 = full || left > 3 ? column(p &+ 3, columns + 3 &* row) : cols.2
        cols.4 = full || left > 4 ? column(p &+ 4, columns + 4 &* row) : cols.3
        cols.5 = full || left > 5 ? column(p &+ 5, columns + 5 &* row) : cols.4
        @inline(__always)
        func widened(_ word: UInt32) -> UInt32 { doubled ? hard_sadd16(word, word) : word }
        var k = 0, wp = wide
        while k < row {
            let x0 = hard_load4(cols.0 + k), x1 = hard_load4(cols.1 + k), x2 = hard_load4(cols.2 + k)
            let x3 = hard_load4(cols.3 + k), x4 = hard_load4(cols.4 + k), x5 = hard_load4(cols.5 + k)
            wp[0] = widened(hard_sxtb16(x0)); wp[1] = widened(hard_sxtb16_odd(x0))
            wp[2] = widened(hard_sxtb16(x1)); wp[3] = widened(hard_sxtb16_odd(x1))
            wp[4] = widened(hard_sxtb16(x2)); wp[5] = widened(hard_sxtb16_odd(x2))
            wp[6] = widened(hard_sxtb16(x3)); wp[7] = widened(hard_sxtb16_odd(x3))
            wp[8] = widened(hard_sxtb16(x4)); wp[9] = widened(hard_sxtb16_odd(x4))
            wp[10] = widened(hard_sxtb16(x5)); wp[11] = widened(hard_sxtb16_odd(x5))
            wp += vStride
            k &+= 4
        }
        var o = y + p &* cout
        var w = weights
        if full, let table = boundedTable {
            // Every channel's dot products, requantization and stores in one piece of assembly.
            hard_dense_channels6_bounded(weights, UnsafePointer(wide), steps32, foldedBias, table, o, cout32, cout32,
                                         doubled ? 1 : 0, masked32)
            return
        }
        // Output strides from one position to the next (0 past the real ones).
        let s1 = full || left > 1 ? cout : 0, s2 = full || left > 2 ? cout : 0
        let s3 = full || left > 3 ? cout : 0, s4 = full || left > 4 ? cout : 0
        let s5 = full || left > 5 ? cout : 0
        for ch in 0..<cout {
            let bias = doubled ? foldedBias[ch] &<< 1 : foldedBias[ch]
            let acc = hard_dense_dot6(w, UnsafePointer(wide), steps32, bias)
            w += row
            var q = (Int8(0), Int8(0), Int8(0), Int8(0), Int8(0), Int8(0))
            if let table = boundedTable {
                // The records directly: dense convolutions have no left shifts (MicroModel), so
                // the accumulators are 2 acc (doubled) or acc.
                let r = table + BoundedRequantizer.recordWords &* ch
                let k: Int32 = doubled ? 0 : 1
                func requantized(_ a: Int32) -> Int8 {
                    Int8(truncatingIfNeeded: hard_bounded_requantize_masked(a &<< k, r[0], r[1], r[2], r[3]))
                }
                q = (requantized(acc.a0), requantized(acc.a1), requantized(acc.a2), requantized(acc.a3),
                     requantized(acc.a4), requantized(acc.a5))
            } else {
                (q.0, q.1, q.2, q.3) = rq.four(acc.a0, acc.a1, acc.a2, acc.a3, ch)
                (q.4, q.5) = rq.pair(acc.a4, acc.a5, ch)
            }
            var t = o
            t[0] = q.0; t += s1
            t[0] = q.1; t += s2
            t[0] = q.2; t += s3
            t[0] = q.3; t += s4
            t[0] = q.4; t += s5
            t[0] = q.5
            o += 1
        }
    }

    /// Every group of positions, with or without doubling (a literal for `group`).
    @inline(__always)
    func groups(doubled: Bool) {
        var p = 0
        while pixels &- p >= denseGroupPixels {
            group(p, denseGroupPixels, full: true, doubled: doubled)
            p &+= denseGroupPixels
        }
        if p < pixels { group(p, pixels &- p, full: false, doubled: doubled) }
    }
    // Doubling costs 3 x row SADD16s a group of positions and saves 6 x Cout shifts.
    if boundedTable != nil && 2 &* cout > row {
        groups(doubled: true)
    } else {
        groups(doubled: false)
    }
}

/// Output positions per step of `convolveDense`.
let denseGroupPixels = 6

/// Scratch of `convolveDense`: the four int8 im2col columns (none for a 1x1 kernel read in
/// place) and the four columns widened to int16.
public func denseScratchBytes(kernelH: Int, kernelW: Int, inputChannels: Int, padH: Int, padW: Int) -> Int {
    let row = denseRowBytes(kernelH: kernelH, kernelW: kernelW, inputChannels: inputChannels)
    let direct = kernelH == 1 && kernelW == 1 && padH == 0 && padW == 0 && inputChannels == row
    return (direct ? 0 : denseGroupPixels * row) + 2 * denseGroupPixels * row
}

/// Scratch of `convolveDepthwise`: per group of four channels, their four biases and their
/// weights widened to int16 pairs (8 bytes per tap).
public func depthwiseScratchBytes(kernelH: Int, kernelW: Int, channels: Int) -> Int {
    (channels >> 2) &* (16 &+ kernelH &* kernelW &* 8)
}

/// Depthwise convolution, channel multiplier 1, any kernel, stride and dilation.
/// weights: [kh][kw][C]; bias: [C] (TFLite's, not folded); scratch: `depthwiseScratchBytes`,
/// 4-byte aligned.
///
/// Padded taps contribute w * (zp - zp) = 0, so only in-bounds taps are summed (at 8x8 with
/// dilation 5 most taps are outside); they form a rectangle [ky0, ky1) x [kx0, kx1) per output
/// position. Four channels per step. The weights are first widened into the scratch, per group
/// of four channels and tap, as the two words SXTB16 gives ([w0, w2], [w1, w3]), so a tap is
/// one input word split into halfwords with the zero point subtracted on the way (SXTAB16 with
/// -zp), one doubleword of weights and four multiply-accumulates (SMLABB/SMLATT): nine
/// instructions with the pointer step (`hard_depthwise_taps`, straight-line assembly per
/// rectangle shape), against seventeen when each tap also split its weights and subtracted the
/// zero point alone. Widening costs one pass over the weights per call (C x taps bytes), small
/// beside the C x taps x pixels multiply-accumulates. The group's biases sit before its
/// weights, and both are multiplied by the requantizer's `accumulatorScale` on the way (2 for
/// `BoundedRequantizer`, which then needs no doubling shift per output; 2^(1+s) for a
/// channel with TFLite left shift s, `leftShifts`). With the bounded requantization and a
/// 3x3 kernel every group of a position is `hard_depthwise_position_bounded` (assembly).
public func convolveDepthwise<R: ChannelRequantizer>(
    input x: UnsafePointer<Int8>, _ xs: Shape3, inputZeroPoint zp: Int32,
    output y: UnsafeMutablePointer<Int8>, _ ys: Shape3, geometry g: ConvGeometry,
    weights: UnsafePointer<Int8>, bias: UnsafePointer<Int32>, requantizer rq: R,
    scratch: UnsafeMutablePointer<UInt32>) {
    let channels = xs.channels
    let negativeZeroPair = UInt32(UInt16(truncatingIfNeeded: 0 &- zp)) &* 0x0001_0001
    let groups = channels &>> 2, vectorChannels = groups &<< 2
    let taps = g.kernelH &* g.kernelW
    let scale = R.accumulatorScale          // 1 or 2
    let leftShifts = rq.leftShifts          // channels scaled by 2^(1 + s) instead (s > 0)

    // Per group: [4 x bias * scale], then per tap the group's four weights * scale as the
    // even and odd halfword pairs (wide[4 + 2 tap], wide[5 + 2 tap]).
    let wideGroupStep = 4 &+ 2 &* taps
    var wp = scratch
    for group in 0..<groups {
        var w = weights + group &* 4
        if let l = leftShifts {
            // Per channel: 2^(1 + max(s, 0)) (|w| 2^7 fits a halfword; the bias bound is
            // MicroModel's).
            let c0 = group &* 4
            func k(_ i: Int) -> Int32 { let s = l[c0 &+ i]; return s > 0 ? 1 &+ s : 1 }
            let (k0, k1, k2, k3) = (k(0), k(1), k(2), k(3))
            wp[0] = UInt32(bitPattern: bias[c0] &<< k0); wp[1] = UInt32(bitPattern: bias[c0 &+ 1] &<< k1)
            wp[2] = UInt32(bitPattern: bias[c0 &+ 2] &<< k2); wp[3] = UInt32(bitPattern: bias[c0 &+ 3] &<< k3)
            wp += 4
            for _ in 0..<taps {
                func half(_ v: Int8, _ shift: Int32) -> UInt32 { UInt32(UInt16(truncatingIfNeeded: Int32(v) &<< shift)) }
                wp[0] = half(w[0], k0) | (half(w[2], k2) &<< 16)
                wp[1] = half(w[1], k1) | (half(w[3], k3) &<< 16)
                wp += 2
                w += channels
            }
            continue
        }
        for i in 0..<4 { wp[i] = UInt32(bitPattern: bias[group &* 4 &+ i] &* scale) }
        wp += 4
        for _ in 0..<taps {
            let word = hard_load4(w)
            var even = hard_sxtb16(word), odd = hard_sxtb16_odd(word)
            if scale == 2 {
                // 2 w fits a halfword (|2 w| <= 256).
                even = hard_sadd16(even, even)
                odd = hard_sadd16(odd, odd)
            }
            wp[0] = even
            wp[1] = odd
            wp += 2
            w += channels
        }
    }
    let wide = UnsafePointer(scratch)

    /// The taps k with 0 <= o * stride - pad + k * dilation < size.
    @inline(__always)
    func validTaps(_ o: Int, _ stride: Int, _ pad: Int, _ dilation: Int, _ kernel: Int, _ size: Int) -> (Int, Int) {
        let start = o * stride - pad
        var k0 = 0, k1 = kernel
        while k0 < kernel && start + k0 * dilation < 0 { k0 += 1 }
        while k1 > k0 && start + (k1 - 1) * dilation >= size { k1 -= 1 }
        return (k0, k1)
    }
    let rowStep = g.dilationH &* xs.width &* channels, colStep = g.dilationW &* channels
    let wideRowStep = 2 &* g.kernelW
    let wRowStep = g.kernelW &* channels

    // The straight-line tap code of `hard_depthwise_taps` (a 3-wide kernel up to 3 rows).
    let unrolled = g.kernelW == 3 && g.kernelH <= 3
    // `hard_depthwise_position_bounded`: every group of a position in assembly, for a 3x3 kernel
    // (88-byte group records) and the bounded requantization.
    let boundedTable = rq.boundedTable
    let fused = g.kernelH == 3 && boundedTable != nil
    let masked32: Int32 = rq.boundedMasked ? 1 : 0
    let step32 = Int32(truncatingIfNeeded: colStep)

    /// All channels of one output position over `rows` x `cols` taps starting at input
    /// `origin` and tap `firstTap` (ky0 * kw + kx0). One copy for every shape: the assembly
    /// picks its shape's straight-line code itself (a switch per position), and an
    /// instantiation per shape in Swift would cost flash for nothing (about 30 kB with both
    /// requantizers).
    func position(_ out: UnsafeMutablePointer<Int8>, _ origin: UnsafePointer<Int8>, _ firstTap: Int, rows: Int, cols: Int) {
        var c = 0
        var wg = wide
        // The assembly's shapes: 1...3 x 1...3 taps of a 3-wide kernel.
        let shaped = unrolled && rows >= 1 && cols >= 1
        // From a row's last tap to the next row's first.
        let rowJump = Int32(truncatingIfNeeded: rowStep &- (cols &- 1) &* colStep)
        let rows32 = Int32(truncatingIfNeeded: rows), cols32 = Int32(truncatingIfNeeded: cols)
        if shaped && fused && groups > 0, let table = boundedTable {
            // Every group's taps and requantization in one piece of assembly.
            hard_depthwise_position_bounded(wide, Int32(truncatingIfNeeded: groups), Int32(truncatingIfNeeded: firstTap),
                                            origin, step32, rowJump, negativeZeroPair, rows32, cols32, table, out, masked32)
            c = vectorChannels
        }
        while c < vectorChannels {
            let xr = origin + c, wr = wg + (4 &+ 2 &* firstTap)
            var acc: hard_acc4
            if shaped {
                acc = hard_depthwise_taps(wg, Int32(truncatingIfNeeded: firstTap), xr, step32, rowJump, negativeZeroPair,
                                          rows32, cols32)
            } else {
                acc = hard_acc4(a0: Int32(bitPattern: wg[0]), a1: Int32(bitPattern: wg[1]),
                                a2: Int32(bitPattern: wg[2]), a3: Int32(bitPattern: wg[3]))
                for r in 0..<rows {
                    for k in 0..<cols {
                        let xw = hard_load4(xr + (r &* rowStep &+ k &* colStep))
                        let wk = wr + (r &* wideRowStep &+ 2 &* k)
                        let xEven = hard_sxtab16(negativeZeroPair, xw), xOdd = hard_sxtab16_odd(negativeZeroPair, xw)
                        acc.a0 = hard_smlabb(xEven, wk[0], acc.a0)
                        acc.a2 = hard_smlatt(xEven, wk[0], acc.a2)
                        acc.a1 = hard_smlabb(xOdd, wk[1], acc.a1)
                        acc.a3 = hard_smlatt(xOdd, wk[1], acc.a3)
                    }
                }
            }
            rq.quadScaled(out + c, acc.a0, acc.a1, acc.a2, acc.a3, c)
            c &+= 4
            wg += wideGroupStep
        }
        // The last channels (C mod 4) from the int8 weights.
        let wOrigin = weights + firstTap &* channels
        while c < channels {
            var a = bias[c]
            var xr = origin + c, wr = wOrigin + c
            for _ in 0..<rows {
                var xp = xr, wq = wr
                for _ in 0..<cols {
                    a = a &+ Int32(wq.pointee) &* (Int32(xp.pointee) &- zp)
                    xp += colStep
                    wq += channels
                }
                xr += rowStep
                wr += wRowStep
            }
            out[c] = rq(a, c)
            c &+= 1
        }
    }

    var out = y
    for oy in 0..<ys.height {
        let (ky0, ky1) = validTaps(oy, g.strideH, g.padH, g.dilationH, g.kernelH, xs.height)
        let rowOrigin = x + ((oy &* g.strideH &- g.padH &+ ky0 &* g.dilationH) &* xs.width) &* channels
        for ox in 0..<ys.width {
            let (kx0, kx1) = validTaps(ox, g.strideW, g.padW, g.dilationW, g.kernelW, xs.width)
            // Input of the first valid tap.
            let origin = rowOrigin + (ox &* g.strideW &- g.padW &+ kx0 &* g.dilationW) &* channels
            let firstTap = ky0 &* g.kernelW &+ kx0
            position(out, origin, firstTap, rows: ky1 &- ky0, cols: kx1 &- kx0)
            out += channels
        }
    }
}
