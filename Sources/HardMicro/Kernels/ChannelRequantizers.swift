import CMicroDSP

// Requantization of a convolution's int32 accumulators to int8 outputs, one multiplier per
// output channel. The kernels are generic over the strategy (specialised at compile time,
// no existential on the microcontroller); both strategies give the same integers as TFLite.

/// acc of output channel c -> int8 output (multiplier, output zero point, activation clamp).
public protocol ChannelRequantizer {
    func callAsFunction(_ acc: Int32, _ channel: Int) -> Int8
    /// Two accumulators of one channel (two output positions): the channel's parameters are
    /// read once.
    func pair(_ a: Int32, _ b: Int32, _ channel: Int) -> (Int8, Int8)
    /// Four accumulators of one channel (four output positions).
    func four(_ a: Int32, _ b: Int32, _ c: Int32, _ d: Int32, _ channel: Int) -> (Int8, Int8, Int8, Int8)
    /// Channels c...c+3 into out[0...3].
    func quad(_ out: UnsafeMutablePointer<Int8>, _ a0: Int32, _ a1: Int32, _ a2: Int32, _ a3: Int32, _ c: Int)
    /// 1 or 2: a kernel that can scale its accumulators for free (the depthwise kernel, through
    /// its widened weights and biases) multiplies them by this and calls `quadScaled`.
    static var accumulatorScale: Int32 { get }
    /// The per-channel [mantissa, shift, offset] records of `BoundedRequantizer`, for kernels
    /// that requantize inside their assembly (`hard_dense_channels6_bounded`,
    /// `hard_depthwise_position_bounded`); nil otherwise.
    var boundedTable: UnsafePointer<Int32>? { get }
    /// `quad` of accumulators multiplied by `accumulatorScale`.
    func quadScaled(_ out: UnsafeMutablePointer<Int8>, _ a0: Int32, _ a1: Int32, _ a2: Int32, _ a3: Int32, _ c: Int)
}

extension ChannelRequantizer {
    public static var accumulatorScale: Int32 { 1 }

    public var boundedTable: UnsafePointer<Int32>? { nil }

    @inline(__always)
    public func quadScaled(_ out: UnsafeMutablePointer<Int8>, _ a0: Int32, _ a1: Int32, _ a2: Int32, _ a3: Int32, _ c: Int) {
        quad(out, a0, a1, a2, a3, c)
    }

    @inline(__always)
    public func pair(_ a: Int32, _ b: Int32, _ channel: Int) -> (Int8, Int8) {
        (self(a, channel), self(b, channel))
    }

    @inline(__always)
    public func four(_ a: Int32, _ b: Int32, _ c: Int32, _ d: Int32, _ channel: Int) -> (Int8, Int8, Int8, Int8) {
        (self(a, channel), self(b, channel), self(c, channel), self(d, channel))
    }

    @inline(__always)
    public func quad(_ out: UnsafeMutablePointer<Int8>, _ a0: Int32, _ a1: Int32, _ a2: Int32, _ a3: Int32, _ c: Int) {
        out[0] = self(a0, c)
        out[1] = self(a1, c &+ 1)
        out[2] = self(a2, c &+ 2)
        out[3] = self(a3, c &+ 3)
    }
}

/// TFLite's double-rounding rules for any accumulator and any shift (`requantize`).
public struct ExactRequantizer: ChannelRequantizer {
    public var mantissas: UnsafePointer<Int32>
    public var shifts: UnsafePointer<Int32>
    public var outputZeroPoint: Int32
    public var activationMin: Int32
    public var activationMax: Int32

    public init(mantissas: UnsafePointer<Int32>, shifts: UnsafePointer<Int32>, outputZeroPoint: Int32,
                activationMin: Int32, activationMax: Int32) {
        self.mantissas = mantissas; self.shifts = shifts; self.outputZeroPoint = outputZeroPoint
        self.activationMin = activationMin; self.activationMax = activationMax
    }

    @inline(__always)
    public func callAsFunction(_ acc: Int32, _ c: Int) -> Int8 {
        requantize(acc, mantissas[c], shifts[c], outputZeroPoint, activationMin, activationMax)
    }
}

/// The same integers as `ExactRequantizer` in about a third of the instructions (about ten
/// per output on the Cortex-M7), for an op that `MicroModel.boundedRequantization` admits:
/// accumulators provably below 2^30 in magnitude, every multiplier in [2^-22, 1/2) (shift in
/// -22...-1), no activation clamp beyond the int8 range. Then
///   SaturatingRoundingDoublingHighMul(acc, m) = SMMULR(2 acc, m)   (no saturation possible)
///   RoundingDivideByPOT(h, r) + zp = (h + (h >> 31) + 2^(r-1) + zp 2^r) >> r
/// the first because 2 acc fits 32 bits, the second because adding h >> 31 (-1 for negative
/// h) turns "round half up" into "round half away from zero" and a multiple of 2^r passes
/// through the shift unchanged; the clamp is SSAT (`hard_bounded_requantize`).
public struct BoundedRequantizer: ChannelRequantizer {
    /// [mantissa, right shift r, offset 2^(r-1) + zeroPoint * 2^r] per channel (`prepare`):
    /// one record per channel, so a kernel reads a channel's three words from one base.
    public var table: UnsafePointer<Int32>

    public init(table: UnsafePointer<Int32>) {
        self.table = table
    }

    /// Bytes of the table for `channels` channels.
    public static func tableBytes(channels: Int) -> Int { 12 * channels }

    /// Fills `table` from TFLite mantissas and shifts (each shift in -22...-1) and the output
    /// zero point.
    public static func prepare(mantissas: UnsafePointer<Int32>, shifts: UnsafePointer<Int32>, outputZeroPoint zp: Int32,
                               channels: Int, into table: UnsafeMutablePointer<Int32>) {
        var q = table
        for c in 0..<channels {
            let r = 0 &- shifts[c]
            q[0] = mantissas[c]
            q[1] = r
            q[2] = (Int32(1) &<< (r &- 1)) &+ (zp &<< r)
            q += 3
        }
    }

    @inline(__always)
    public func callAsFunction(_ acc: Int32, _ c: Int) -> Int8 {
        let q = table + 3 &* c
        return Int8(truncatingIfNeeded: hard_bounded_requantize(acc, q[0], q[1], q[2]))
    }

    @inline(__always)
    public func pair(_ a: Int32, _ b: Int32, _ c: Int) -> (Int8, Int8) {
        let q = table + 3 &* c
        let m = q[0], r = q[1], o = q[2]
        return (Int8(truncatingIfNeeded: hard_bounded_requantize(a, m, r, o)),
                Int8(truncatingIfNeeded: hard_bounded_requantize(b, m, r, o)))
    }

    @inline(__always)
    public func four(_ a: Int32, _ b: Int32, _ c: Int32, _ d: Int32, _ channel: Int) -> (Int8, Int8, Int8, Int8) {
        let q = table + 3 &* channel
        let m = q[0], r = q[1], o = q[2]
        return (Int8(truncatingIfNeeded: hard_bounded_requantize(a, m, r, o)),
                Int8(truncatingIfNeeded: hard_bounded_requantize(b, m, r, o)),
                Int8(truncatingIfNeeded: hard_bounded_requantize(c, m, r, o)),
                Int8(truncatingIfNeeded: hard_bounded_requantize(d, m, r, o)))
    }

    @inline(__always)
    public func quad(_ out: UnsafeMutablePointer<Int8>, _ a0: Int32, _ a1: Int32, _ a2: Int32, _ a3: Int32, _ c: Int) {
        quadScaled(out, a0 &<< 1, a1 &<< 1, a2 &<< 1, a3 &<< 1, c)
    }

    /// The accumulators doubled: SMMLAR takes 2 acc as it is (`hard_bounded_requantize_doubled`).
    public static var accumulatorScale: Int32 { 2 }

    public var boundedTable: UnsafePointer<Int32>? { table }

    @inline(__always)
    public func quadScaled(_ out: UnsafeMutablePointer<Int8>, _ a0: Int32, _ a1: Int32, _ a2: Int32, _ a3: Int32, _ c: Int) {
        let q = table + 3 &* c
        // All twelve words are read before the first store (a byte store could alias them).
        let m0 = q[0], r0 = q[1], o0 = q[2], m1 = q[3], r1 = q[4], o1 = q[5]
        let m2 = q[6], r2 = q[7], o2 = q[8], m3 = q[9], r3 = q[10], o3 = q[11]
        out[0] = Int8(truncatingIfNeeded: hard_bounded_requantize_doubled(a0, m0, r0, o0))
        out[1] = Int8(truncatingIfNeeded: hard_bounded_requantize_doubled(a1, m1, r1, o1))
        out[2] = Int8(truncatingIfNeeded: hard_bounded_requantize_doubled(a2, m2, r2, o2))
        out[3] = Int8(truncatingIfNeeded: hard_bounded_requantize_doubled(a3, m3, r3, o3))
    }
}
