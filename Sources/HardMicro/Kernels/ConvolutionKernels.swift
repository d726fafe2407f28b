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
/// foldedBias: [Cout]; scratch: `denseScratchBytes` (two int8 im2col columns when the
/// kernel is not 1x1, and two columns widened to int16).
///
/// Two output positions x two output channels per step, CMSIS-NN's scheme: the two input
/// columns are widened once to int16, in the halfword order SXTB16 gives the weights
/// (x0, x2, x1, x3 per word), interleaved per four channels as [a02, a13, b02, b13]; then per
/// four channels one weight word per output channel is split into halfword pairs (SXTB16) and
/// eight SMLADs make 16 multiply-accumulates.
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
    let columns = scratch                                   // 2 x row int8 (im2col)
    let wide = UnsafeMutableRawPointer(scratch + (direct ? 0 : 2 * row))
        .assumingMemoryBound(to: UInt32.self)               // row words: [a02, a13, b02, b13] per 4 channels
    if !direct {
        // The padding bytes of both columns stay zero (their weights are zero too).
        columns.update(repeating: 0, count: 2 * row)
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
    let pairedChannels = cout & ~1
    var p = 0
    while p < pixels {
        let second = p &+ 1 < pixels
        let a = column(p, columns)
        let b = second ? column(p &+ 1, columns + row) : a
        var k = 0, wp = wide
        while k < row {
            let xa = hard_load4(a + k), xb = hard_load4(b + k)
            wp[0] = hard_sxtb16(xa); wp[1] = hard_sxtb16_odd(xa)
            wp[2] = hard_sxtb16(xb); wp[3] = hard_sxtb16_odd(xb)
            wp += 4
            k &+= 4
        }
        let outA = y + p &* cout
        let outB = second ? outA + cout : outA   // a lone last pixel: B repeats A, stored twice
        // Two channels per block; an odd last channel alone after.
        var c = 0, w0 = weights
        while c < pairedChannels {
            var s00 = foldedBias[c], s01 = s00
            var s10 = foldedBias[c &+ 1], s11 = s10
            var v = UnsafePointer(wide), w = w0
            var n = row &>> 2
            while n > 0 {
                n &-= 1
                let wa = hard_load4(w), wb = hard_load4(w + row)
                let waEven = hard_sxtb16(wa), waOdd = hard_sxtb16_odd(wa)
                s00 = hard_smlad(v[0], waEven, hard_smlad(v[1], waOdd, s00))
                s01 = hard_smlad(v[2], waEven, hard_smlad(v[3], waOdd, s01))
                let wbEven = hard_sxtb16(wb), wbOdd = hard_sxtb16_odd(wb)
                s10 = hard_smlad(v[0], wbEven, hard_smlad(v[1], wbOdd, s10))
                s11 = hard_smlad(v[2], wbEven, hard_smlad(v[3], wbOdd, s11))
                v += 4
                w += 4
            }
            (outA[c], outB[c]) = rq.pair(s00, s01, c)
            (outA[c &+ 1], outB[c &+ 1]) = rq.pair(s10, s11, c &+ 1)
            c &+= 2
            w0 += 2 &* row
        }
        if c < cout {
            var s0 = foldedBias[c], s1 = s0
            var v = UnsafePointer(wide), w = w0
            var n = row &>> 2
            while n > 0 {
                n &-= 1
                let wa = hard_load4(w)
                let waEven = hard_sxtb16(wa), waOdd = hard_sxtb16_odd(wa)
                s0 = hard_smlad(v[0], waEven, hard_smlad(v[1], waOdd, s0))
                s1 = hard_smlad(v[2], waEven, hard_smlad(v[3], waOdd, s1))
                v += 4
                w += 4
            }
            (outA[c], outB[c]) = rq.pair(s0, s1, c)
        }
        p &+= 2
    }
}

/// Scratch of `convolveDense`: the int8 im2col columns (none for a 1x1 kernel read in place)
/// and the two columns widened to int16.
public func denseScratchBytes(kernelH: Int, kernelW: Int, inputChannels: Int, padH: Int, padW: Int) -> Int {
    let row = denseRowBytes(kernelH: kernelH, kernelW: kernelW, inputChannels: inputChannels)
    let direct = kernelH == 1 && kernelW == 1 && padH == 0 && padW == 0 && inputChannels == row
    return (direct ? 0 : 2 * row) + 4 * row
}

/// Scratch of `convolveDepthwise`: its weights widened to int16 pairs, 8 bytes per tap and
/// group of four channels.
public func depthwiseScratchBytes(kernelH: Int, kernelW: Int, channels: Int) -> Int {
    (channels >> 2) &* kernelH &* kernelW &* 8
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
/// -zp), one doubleword of weights and four multiply-accumulates (SMLABB/SMLATT): ten
/// instructions with the pointer step, against seventeen when each tap also split its weights
/// and subtracted the zero point alone. Widening costs one pass over the weights per call
/// (C x taps bytes), small beside the C x taps x pixels multiply-accumulates.
public func convolveDepthwise<R: ChannelRequantizer>(
    input x: UnsafePointer<Int8>, _ xs: Shape3, inputZeroPoint zp: Int32,
    output y: UnsafeMutablePointer<Int8>, _ ys: Shape3, geometry g: ConvGeometry,
    weights: UnsafePointer<Int8>, bias: UnsafePointer<Int32>, requantizer rq: R,
    scratch: UnsafeMutablePointer<UInt32>) {
    let channels = xs.channels
    let negativeZeroPair = UInt32(UInt16(truncatingIfNeeded: 0 &- zp)) &* 0x0001_0001
    let groups = channels &>> 2, vectorChannels = groups &<< 2
    let taps = g.kernelH &* g.kernelW

    // wide[(group * taps + tap) * 2 + 0, 1]: the group's four weights of a tap, even and odd.
    var wp = scratch
    for group in 0..<groups {
        var w = weights + group &* 4
        for _ in 0..<taps {
            let word = hard_load4(w)
            wp[0] = hard_sxtb16(word)
            wp[1] = hard_sxtb16_odd(word)
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
    let wideRowStep = 2 &* g.kernelW, wideGroupStep = 2 &* taps
    let wRowStep = g.kernelW &* channels

    /// All channels of one output position over `rows` x `cols` taps starting at input
    /// `origin` and tap `firstTap` (ky0 * kw + kx0). Called with literal `cols` for the common
    /// widths, so the tap row is unrolled and its counter vanishes.
    @inline(__always)
    func position(_ out: UnsafeMutablePointer<Int8>, _ origin: UnsafePointer<Int8>, _ firstTap: Int,
                  rows: Int, cols: Int) {
        var c = 0
        var wg = wide + 2 &* firstTap
        while c < vectorChannels {
            var a0 = bias[c], a1 = bias[c &+ 1], a2 = bias[c &+ 2], a3 = bias[c &+ 3]
            var xr = origin + c, wr = wg
            var r = rows
            while r > 0 {
                var xp = xr, wq = wr
                for _ in 0..<cols {
                    let xw = hard_load4(xp)
                    let xEven = hard_sxtab16(negativeZeroPair, xw), xOdd = hard_sxtab16_odd(negativeZeroPair, xw)
                    let wEven = wq[0], wOdd = wq[1]
                    a0 = hard_smlabb(xEven, wEven, a0)
                    a2 = hard_smlatt(xEven, wEven, a2)
                    a1 = hard_smlabb(xOdd, wOdd, a1)
                    a3 = hard_smlatt(xOdd, wOdd, a3)
                    xp += colStep
                    wq += 2
                }
                xr += rowStep
                wr += wideRowStep
                r &-= 1
            }
            rq.quad(out + c, a0, a1, a2, a3, c)
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
            let rows = ky1 &- ky0
            switch kx1 &- kx0 {
            case 3: position(out, origin, firstTap, rows: rows, cols: 3)
            case 2: position(out, origin, firstTap, rows: rows, cols: 2)
            case 1: position(out, origin, firstTap, rows: rows, cols: 1)
            case let cols: position(out, origin, firstTap, rows: rows, cols: cols)
            }
            out += channels
        }
    }
}
