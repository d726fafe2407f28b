import CMicroDSP

// int8 ADD (TFLite rules), channel concatenation, the input lookup and the argmax.

/// TFLite's quantized ADD parameters: both inputs are shifted left by `leftShift` (20) and
/// rescaled to twice the larger input scale, summed, then rescaled to the output.
public struct AddParameters {
    public var leftShift: Int32
    public var input1: QuantizedMultiplier, input1ZeroPoint: Int32
    public var input2: QuantizedMultiplier, input2ZeroPoint: Int32
    public var output: QuantizedMultiplier, outputZeroPoint: Int32
    public var activationMin: Int32, activationMax: Int32

    public init(leftShift: Int32, input1: QuantizedMultiplier, input1ZeroPoint: Int32, input2: QuantizedMultiplier,
                input2ZeroPoint: Int32, output: QuantizedMultiplier, outputZeroPoint: Int32,
                activationMin: Int32, activationMax: Int32) {
        self.leftShift = leftShift; self.input1 = input1; self.input1ZeroPoint = input1ZeroPoint
        self.input2 = input2; self.input2ZeroPoint = input2ZeroPoint; self.output = output
        self.outputZeroPoint = outputZeroPoint; self.activationMin = activationMin; self.activationMax = activationMax
    }
}

/// Scratch of `addInt8`: each input's 256 rescaled values.
public let addScratchBytes = 2 * 256 * 4

/// Mantissas must be non-negative (quantizeMultiplier's are; the blob validation checks it).
/// scratch: `addScratchBytes`, 4-byte aligned.
public func addInt8(_ a: UnsafePointer<Int8>, _ b: UnsafePointer<Int8>, _ y: UnsafeMutablePointer<Int8>, count: Int,
                    _ p: AddParameters, scratch: UnsafeMutablePointer<Int32>) {
    // Mantissas are non-negative (validated), so the short form of the multiply applies.
    let shift = p.leftShift
    let (m1, s1, z1) = (p.input1.mantissa, p.input1.shift, p.input1ZeroPoint)
    let (m2, s2, z2) = (p.input2.mantissa, p.input2.shift, p.input2ZeroPoint)
    let (mo, so, zo) = (p.output.mantissa, p.output.shift, p.outputZeroPoint)
    let lo = p.activationMin, hi = p.activationMax
    // The bounded path: the same integers in a third of the instructions. With a left shift
    // of at most 20, |x1|, |x2| < 255 * 2^20 and |x1 + x2| < 2^29, so every high multiply is
    // SMMULR of the doubled value; shifts 0...22 keep the rounding adds inside 31 bits.
    // (Plain comparisons: an array literal here would allocate on every call in the firmware.)
    func inRange(_ s: Int32) -> Bool { s <= 0 && s >= -22 }
    let bounded = shift >= 0 && shift <= 20 && inRange(s1) && inRange(s2) && inRange(so)
    if bounded {
        let (r1, r2, ro) = (0 &- s1, 0 &- s2, 0 &- so)
        func nudge(_ r: Int32) -> Int32 { r > 0 ? Int32(1) &<< (r &- 1) : 0 }
        func mask(_ r: Int32) -> Int32 { r > 0 ? -1 : 0 }
        let (n1, n2, no) = (nudge(r1), nudge(r2), nudge(ro) &+ (zo &<< ro))
        let (k1, k2, ko) = (mask(r1), mask(r2), mask(ro))
        let up = shift &+ 1
        // Each input's rescaled value depends on its byte alone: 2 x 256 of them, computed
        // first, turn two multiplies and their rounding per element into two table loads.
        let t1 = scratch + 128, t2 = scratch + 384   // t[v] for v in -128...127
        // With ro >= 1 the tables hold the values doubled (|2 (x1 + x2)| < 2^30), the form
        // `hard_bounded_requantize_doubled` takes.
        let doubling: Int32 = ro > 0 ? 1 : 0
        for v in Int32(-128)...127 {
            t1[Int(v)] = hard_bounded_scale((v &- z1) &<< up, m1, r1, k1, n1) &<< doubling
            t2[Int(v)] = hard_bounded_scale((v &- z2) &<< up, m2, r2, k2, n2) &<< doubling
        }
        var a = a, b = b, y = y
        if ro > 0 && lo == -128 && hi == 127 {
            // The output's rounding shift without the mask (ro >= 1): hard_bounded_requantize_doubled's
            // form, whose SSAT is the whole clamp.
            for _ in 0..<count {
                let sum2 = t1[Int(a.pointee)] &+ t2[Int(b.pointee)]
                y.pointee = Int8(truncatingIfNeeded: hard_bounded_requantize_doubled(sum2, mo, ro, no))
                a += 1; b += 1; y += 1
            }
        } else if ro > 0 {
            // The same, then the activation's bounds.
            for _ in 0..<count {
                let sum2 = t1[Int(a.pointee)] &+ t2[Int(b.pointee)]
                y.pointee = clampToInt8(hard_bounded_requantize_doubled(sum2, mo, ro, no), lo, hi)
                a += 1; b += 1; y += 1
            }
        } else {
            for _ in 0..<count {
                let sum = t1[Int(a.pointee)] &+ t2[Int(b.pointee)]
                y.pointee = clampToInt8(hard_bounded_scale(sum &<< 1, mo, ro, ko, no), lo, hi)
                a += 1; b += 1; y += 1
            }
        }
        return
    }
    for i in 0..<count {
        let x1 = multiplyByNonNegativeMultiplier((Int32(a[i]) &- z1) &<< shift, m1, s1)
        let x2 = multiplyByNonNegativeMultiplier((Int32(b[i]) &- z2) &<< shift, m2, s2)
        let sum = multiplyByNonNegativeMultiplier(x1 &+ x2, mo, so) &+ zo
        y[i] = clampToInt8(sum, lo, hi)
    }
}

/// Writes `part` (pixels x partChannels) into channels [offset, offset + partChannels) of y
/// (pixels x totalChannels): one slice of an NHWC channel concatenation.
public func concatenateSlice(_ part: UnsafePointer<Int8>, partChannels: Int, into y: UnsafeMutablePointer<Int8>,
                             totalChannels: Int, offset: Int, pixels: Int) {
    var src = part, dst = y + offset
    for _ in 0..<pixels {
        copyBytes(dst, src, partChannels)
        src += partChannels
        dst += totalChannels
    }
}

/// RGB bytes to the model's int8 input: normalisation and quantization in one table per
/// channel (table[c * 256 + v]).
public func lookupInput(_ x: UnsafePointer<UInt8>, _ y: UnsafeMutablePointer<Int8>, pixels: Int, channels: Int,
                        table: UnsafePointer<Int8>) {
    // Walking pointers: no index arithmetic (and its overflow checks) per byte.
    var x = x, y = y
    if channels == 3 {
        // RGB: the three tables stay in registers, three loads and a store a byte.
        let t0 = table, t1 = table + 256, t2 = table + 512
        for _ in 0..<pixels {
            y[0] = t0[Int(x[0])]
            y[1] = t1[Int(x[1])]
            y[2] = t2[Int(x[2])]
            x += 3; y += 3
        }
        return
    }
    for _ in 0..<pixels {
        var t = table
        for _ in 0..<channels {
            y.pointee = t[Int(x.pointee)]
            x += 1; y += 1; t += 256
        }
    }
}

/// Per pixel, the index of the largest channel (the first one on ties, as torch.argmax).
public func argMaxChannels(_ x: UnsafePointer<Int8>, _ y: UnsafeMutablePointer<UInt8>, pixels: Int, channels: Int) {
    var p = x
    for i in 0..<pixels {
        var best = p[0], index = 0
        for c in 1..<max(channels, 1) where p[c] > best {
            best = p[c]
            index = c
        }
        y[i] = UInt8(truncatingIfNeeded: index)
        p += channels
    }
}

/// n bytes from s to d (not overlapping), a word at a time. `UnsafeMutablePointer.update(from:
/// count:)` compiles to a call per byte in Embedded Swift, and im2col and concat copy a lot.
@inline(__always)
func copyBytes(_ d: UnsafeMutablePointer<Int8>, _ s: UnsafePointer<Int8>, _ n: Int) {
    var i = 0
    while i &+ 4 <= n {
        hard_store4(d + i, hard_load4(s + i))
        i &+= 4
    }
    while i < n {
        d[i] = s[i]
        i &+= 1
    }
}
