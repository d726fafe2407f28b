// int8 pooling and bilinear resize. Input and output share scale and zero point, so these
// work on the raw values (TFLite's rule).

/// Average or max pooling with a window. Average pooling divides by the whole window, padding
/// counted as 0.0 (the zero point): PyTorch's and ONNX's count_include_pad = 1, which is what
/// the float model computes. (TFLite divides by the in-bounds taps only; the TFLite export
/// writes an explicit PAD with the zero point, then a VALID pool, which is this.) The sum is
/// of the raw int8 values and rounded half away from zero, as TFLite's kernel rounds it (the
/// rounding of sum(q - zp) / n + zp would differ at ties).
public func poolInt8(_ x: UnsafePointer<Int8>, _ xs: Shape3, _ y: UnsafeMutablePointer<Int8>, _ ys: Shape3,
                     geometry g: ConvGeometry, zeroPoint zp: Int32, maximum: Bool) {
    let channels = xs.channels
    let window = Int32(g.kernelH * g.kernelW)
    var out = y
    for oy in 0..<ys.height {
        for ox in 0..<ys.width {
            for c in 0..<channels {
                // Padding taps add the zero point (real 0.0).
                var sum: Int32 = window &* zp
                var best: Int32 = -128
                for ky in 0..<g.kernelH {
                    let iy = oy * g.strideH - g.padH + ky
                    for kx in 0..<g.kernelW {
                        let ix = ox * g.strideW - g.padW + kx
                        if iy < 0 || iy >= xs.height || ix < 0 || ix >= xs.width { continue }
                        let v = Int32(x[(iy * xs.width + ix) * channels + c])
                        sum = sum &+ (v &- zp)
                        if v > best { best = v }
                    }
                }
                if maximum {
                    // Max pooling ignores padding (ONNX pads MaxPool with -inf).
                    out[c] = Int8(truncatingIfNeeded: best)
                } else {
                    out[c] = clampToInt8(roundedDivide(sum, window), -128, 127)
                }
            }
            out += channels
        }
    }
}

/// Global average or max over H x W, per channel. The average rounds the raw sum as TFLite's
/// average pooling over the whole map does.
public func globalPoolInt8(_ x: UnsafePointer<Int8>, _ xs: Shape3, _ y: UnsafeMutablePointer<Int8>, maximum: Bool) {
    let pixels = xs.height * xs.width, channels = xs.channels
    for c in 0..<channels {
        var sum: Int32 = 0, best: Int32 = -128
        for p in 0..<pixels {
            let v = Int32(x[p * channels + c])
            sum = sum &+ v
            if v > best { best = v }
        }
        y[c] = maximum ? Int8(truncatingIfNeeded: best) : clampToInt8(roundedDivide(sum, Int32(pixels)), -128, 127)
    }
}

/// n / d rounded to nearest, ties away from zero (d > 0).
@inline(__always)
func roundedDivide(_ n: Int32, _ d: Int32) -> Int32 {
    n >= 0 ? (n &+ d / 2) / d : (n &- d / 2) / d
}

/// TFLite's integer bilinear sampling grid (half-pixel centres): source coordinates in 10-bit
/// fixed point, the four weights of a pixel in 20 bits.
struct BilinearGrid {
    static let one: Int32 = 1 << 10
    let xs: Shape3
    let scaleH: Int32, scaleW: Int32

    init(_ xs: Shape3, _ ys: Shape3) {
        self.xs = xs
        scaleH = (Self.one * Int32(xs.height) + Int32(ys.height) / 2) / Int32(ys.height)
        scaleW = (Self.one * Int32(xs.width) + Int32(ys.width) / 2) / Int32(ys.width)
    }

    /// The two source rows of output row oy and the fraction towards the second (once per row).
    @inline(__always)
    func row(_ x: UnsafePointer<Int8>, _ oy: Int) -> (UnsafePointer<Int8>, UnsafePointer<Int8>, Int32) {
        let (sy, y0, y1) = interpolationPoints(Int32(oy), scaleH, Int32(xs.height))
        let stride = xs.width * xs.channels
        return (x + Int(y0) * stride, x + Int(y1) * stride, sy &- y0 &* Self.one)
    }

    /// The four source pixels and weights of output pixel (row, ox).
    @inline(__always)
    func taps(_ row: (UnsafePointer<Int8>, UnsafePointer<Int8>, Int32), _ ox: Int) -> BilinearTaps {
        let (sx, x0, x1) = interpolationPoints(Int32(ox), scaleW, Int32(xs.width))
        let one = Self.one, dy = row.2, dx = sx &- x0 &* one
        let c = xs.channels
        return BilinearTaps(p00: row.0 + Int(x0) * c, p01: row.0 + Int(x1) * c, p10: row.1 + Int(x0) * c, p11: row.1 + Int(x1) * c,
                            w00: (one &- dy) &* (one &- dx), w01: (one &- dy) &* dx, w10: dy &* (one &- dx), w11: dy &* dx)
    }
}

struct BilinearTaps {
    let p00: UnsafePointer<Int8>, p01: UnsafePointer<Int8>, p10: UnsafePointer<Int8>, p11: UnsafePointer<Int8>
    let w00: Int32, w01: Int32, w10: Int32, w11: Int32

    /// Channel c, rounded half away from zero (|sum| <= 128 * 2^20 fits int32).
    @inline(__always)
    func value(_ c: Int) -> Int32 {
        let v = Int32(p00[c]) &* w00 &+ Int32(p01[c]) &* w01 &+ Int32(p10[c]) &* w10 &+ Int32(p11[c]) &* w11
        return (v &+ (v > 0 ? Int32(1 << 19) : -Int32(1 << 19))) / Int32(1 << 20)
    }
}

/// Bilinear resize with half-pixel centres in TFLite's integer form (`BilinearGrid`).
public func resizeBilinearInt8(_ x: UnsafePointer<Int8>, _ xs: Shape3, _ y: UnsafeMutablePointer<Int8>, _ ys: Shape3) {
    let grid = BilinearGrid(xs, ys)
    var out = y
    for oy in 0..<ys.height {
        let row = grid.row(x, oy)
        for ox in 0..<ys.width {
            let t = grid.taps(row, ox)
            for c in 0..<xs.channels { out[c] = Int8(truncatingIfNeeded: t.value(c)) }
            out += xs.channels
        }
    }
}

/// `resizeBilinearInt8` followed by `argMaxChannels` in one pass: the same int8 values per
/// pixel, compared as they are computed; the resized logits are never stored.
///
/// Separable, and still exact: TFLite sums p00 w00 + p01 w01 + p10 w10 + p11 w11 with
/// w = wy * wx and rounds once, which equals wx-blending the per-row blends
/// A = (1024 - dy) p0 + dy p1 (integers below 2^27, nothing rounded in between). Per output
/// row each source column j is blended once and stored with its step to the next column,
/// (A_j << 10, A_j+1 - A_j), so an output pixel's value of class c is one multiply-add,
/// v = (A_j << 10) + dx (A_j+1 - A_j) (dx = 0 where the neighbours coincide at a border).
///
/// The rounding v -> (v + 2^19 + (v >> 31)) >> 20 never decreases, so a class beats the best
/// rounded value R so far (TFLite's ARG_MAX keeps the first of equals) exactly when its v
/// reaches T(R + 1), the least v that rounds above R: each class costs the multiply-add and
/// one compare, and only a new best is rounded. scratch: `resizeArgMaxScratchWords` Int32.
public func resizeBilinearArgMax(_ x: UnsafePointer<Int8>, _ xs: Shape3, _ y: UnsafeMutablePointer<UInt8>, _ ys: Shape3,
                                 scratch: UnsafeMutablePointer<Int32>) {
    let grid = BilinearGrid(xs, ys)
    let channels = xs.channels, one = BilinearGrid.one
    let rowSize = xs.width &* channels
    let blended = scratch                                  // [xs.width][C] x (A << 10, next A - A)
    let columns = scratch + 2 &* rowSize                    // [ys.width] x (2 x0 C, dx)
    for ox in 0..<ys.width {
        let (sx, x0, x1) = interpolationPoints(Int32(ox), grid.scaleW, Int32(xs.width))
        columns[2 &* ox] = 2 &* x0 &* Int32(channels)
        columns[2 &* ox &+ 1] = x1 == x0 ? 0 : sx &- x0 &* one
    }
    var out = y
    for oy in 0..<ys.height {
        let (row0, row1, dy) = grid.row(x, oy)
        let w0 = one &- dy
        for i in 0..<rowSize {
            let a = Int32(row0[i]) &* w0 &+ Int32(row1[i]) &* dy
            // The same class one column on; the last column's step is never used (dx = 0 there).
            let b = i &+ channels < rowSize ? Int32(row0[i &+ channels]) &* w0 &+ Int32(row1[i &+ channels]) &* dy : a
            blended[2 &* i] = a &<< 10
            blended[2 &* i &+ 1] = b &- a
        }
        for ox in 0..<ys.width {
            let pair = blended + Int(columns[2 &* ox])
            let dx = columns[2 &* ox &+ 1]
            // u: the least v whose rounding beats the best so far (T(R + 1)).
            var u = Int32.min, index = 0
            var q = UnsafePointer(pair)
            for c in 0..<channels {
                let v = q[0] &+ dx &* q[1]
                if v >= u {
                    let r = ((v &+ (1 << 19) &+ (v &>> 31)) &>> 20) &+ 1
                    u = (r &<< 20) &- (1 << 19) &+ (r > 0 ? 0 : 1)
                    index = c
                }
                q += 2
            }
            out.pointee = UInt8(truncatingIfNeeded: index)
            out += 1
        }
    }
}

/// Int32 words of `resizeBilinearArgMax`'s scratch.
public func resizeArgMaxScratchWords(_ xs: Shape3, _ ys: Shape3) -> Int {
    2 * xs.width * xs.channels + 2 * ys.width
}

/// Source coordinate (10-bit fixed point) of output index `i`, and its two neighbours.
@inline(__always)
func interpolationPoints(_ i: Int32, _ scale: Int32, _ size: Int32) -> (Int32, Int32, Int32) {
    let scaled = i &* scale &+ scale / 2 &- (1 << 9)
    let lower = max(scaled / (1 << 10), 0)
    let upper = min((scaled &+ (1 << 10) &- 1) / (1 << 10), size - 1)
    return (scaled, lower, upper)
}
