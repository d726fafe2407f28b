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
    /// 1 or 2: a kernel that can scale its accumulators for free (the depthwise kernel, through
    /// its widened weights and biases) multiplies them by this and calls `quadScaled`.
    static var accumulatorScale: Int32 { get }
    /// Channels whose accumulators `quadScaled` takes multiplied by 2^`accumulatorShift(c)`
    /// rather than by `accumulatorScale`: the bounded requantization's channels with a
    /// multiplier >= 1 (TFLite's left shift, folded into the widened weights). nil when none.
    var leftShifts: UnsafePointer<Int32>? { get }
    /// The per-channel [mantissa, shift, offset, mask] records of `BoundedRequantizer`, for kernels
    /// that requantize inside their assembly (`hard_dense_channels6_bounded`,
    /// `hard_depthwise_position_bounded`); nil otherwise.
    var boundedTable: UnsafePointer<Int32>? { get }
    /// Whether some record's sign mask is 0 (a channel with shift 0): the assembly then takes
    /// the mask into account, one instruction more per output.
    var boundedMasked: Bool { get }
    /// Channels c...c+3 into out[0...3], from accumulators multiplied by `accumulatorScale`
    /// (or 2^`accumulatorShift(c)` where `leftShifts` says so).
    func quadScaled(_ out: UnsafeMutablePointer<Int8>, _ a0: Int32, _ a1: Int32, _ a2: Int32, _ a3: Int32, _ c: Int)
}

extension ChannelRequantizer {
    public static var accumulatorScale: Int32 { 1 }

    public var leftShifts: UnsafePointer<Int32>? { nil }

    public var boundedTable: UnsafePointer<Int32>? { nil }

    public var boundedMasked: Bool { false }

    @inline(__always)
    public func quadScaled(_ out: UnsafeMutablePointer<Int8>, _ a0: Int32, _ a1: Int32, _ a2: Int32, _ a3: Int32, _ c: Int) {
        out[0] = self(a0, c)
        out[1] = self(a1, c &+ 1)
        out[2] = self(a2, c &+ 2)
        out[3] = self(a3, c &+ 3)
    }

    @inline(__always)
    public func pair(_ a: Int32, _ b: Int32, _ channel: Int) -> (Int8, Int8) {
        (self(a, channel), self(b, channel))
    }

    @inline(__always)
    public func four(_ a: Int32, _ b: Int32, _ c: Int32, _ d: Int32, _ channel: Int) -> (Int8, Int8, Int8, Int8) {
        (self(a, channel), self(b, channel), self(c, channel), self(d, channel))
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

/// The same integers as `ExactRequantizer` in about a third of the instructions (five or six
/// per output on the Cortex-M7), for an op that `MicroModel.boundedRequantization` admits:
/// accumulators provably below 2^(30 - s) in magnitude, every multiplier in [2^-22, 2^s)
/// (TFLite shift -22...s; s <= 6 for depthwise convolutions, 0 for dense ones), no activation
/// clamp beyond the int8 range. Then
///   SaturatingRoundingDoublingHighMul(acc 2^s, m) = SMMULR(2^(1+s) acc, m)   (no saturation)
///   RoundingDivideByPOT(h, r) + zp = (h + (h >> 31) + 2^(r-1) + zp 2^r) >> r   (r >= 1)
///   RoundingDivideByPOT(h, 0) + zp = h + zp
/// the first because 2 acc fits 32 bits, the second because adding h >> 31 (-1 for negative
/// h) turns "round half up" into "round half away from zero" and a multiple of 2^r passes
/// through the shift unchanged; the clamp is SSAT (`hard_bounded_requantize_masked`).
public struct BoundedRequantizer: ChannelRequantizer {
    /// [mantissa, right shift r, offset, sign mask] per channel (`prepare`): offset
    /// 2^(r-1) + zeroPoint * 2^r and mask -1 for r >= 1, zeroPoint and 0 for r = 0.
    public var table: UnsafePointer<Int32>
    /// Some channel has r = 0, so the sign mask matters (one AND more per output).
    public var masked: Bool
    /// TFLite's shifts when some channel's is positive (a left shift s: its accumulator is
    /// taken as 2^(1+s) acc), else nil.
    public var leftShifts: UnsafePointer<Int32>?

    public init(table: UnsafePointer<Int32>, masked: Bool, leftShifts: UnsafePointer<Int32>? = nil) {
        self.table = table
        self.masked = masked
        self.leftShifts = leftShifts
    }

    /// log2 of the factor channel c's accumulator is taken with: 1, or 1 + s for a left shift s.
    @inline(__always)
    func accumulatorShift(_ c: Int) -> Int32 {
        guard let l = leftShifts else { return 1 }
        let s = l[c]
        return s > 0 ? 1 &+ s : 1
    }

    /// Words per channel of the table.
    public static let recordWords = 4

    /// Bytes of the table for `channels` channels.
    public static func tableBytes(channels: Int) -> Int { 4 * recordWords * channels }

    /// Fills `table` from TFLite mantissas and shifts (each in -22...6) and the output zero
    /// point. masked: some shift is >= 0 (no rounding shift, mask 0); leftShifted: some is > 0.
    @discardableResult
    public static func prepare(mantissas: UnsafePointer<Int32>, shifts: UnsafePointer<Int32>, outputZeroPoint zp: Int32,
                               channels: Int, into table: UnsafeMutablePointer<Int32>) -> (masked: Bool, leftShifted: Bool) {
        var q = table
        var unshifted = false, left = false
        for c in 0..<channels {
            let shift = shifts[c]
            q[0] = mantissas[c]
            if shift < 0 {
                let r = 0 &- shift
                q[1] = r
                q[2] = (Int32(1) &<< (r &- 1)) &+ (zp &<< r)
                q[3] = -1
            } else {
                q[1] = 0
                q[2] = zp
                q[3] = 0
                unshifted = true
                if shift > 0 { left = true }
            }
            q += recordWords
        }
        return (unshifted, left)
    }

    @inline(__always)
    func requantized(_ acc2: Int32, _ q: UnsafePointer<Int32>) -> Int8 {
        Int8(truncatingIfNeeded: hard_bounded_requantize_masked(acc2, q[0], q[1], q[2], q[3]))
    }

    @inline(__always)
    public func callAsFunction(_ acc: Int32, _ c: Int) -> Int8 {
        requantized(acc &<< accumulatorShift(c), table + Self.recordWords &* c)
    }

    @inline(__always)
    public func pair(_ a: Int32, _ b: Int32, _ c: Int) -> (Int8, Int8) {
        let q = table + Self.recordWords &* c, k = accumulatorShift(c)
        return (requantized(a &<< k, q), requantized(b &<< k, q))
    }

    @inline(__always)
    public func four(_ a: Int32, _ b: Int32, _ c: Int32, _ d: Int32, _ channel: Int) -> (Int8, Int8, Int8, Int8) {
        let q = table + Self.recordWords &* channel, k = accumulatorShift(channel)
        return (requantized(a &<< k, q), requantized(b &<< k, q), requantized(c &<< k, q), requantized(d &<< k, q))
    }

    /// The accumulators doubled: SMMLAR takes 2 acc as it is (`hard_bounded_requantize_masked`).
    public static var accumulatorScale: Int32 { 2 }

    public var boundedTable: UnsafePointer<Int32>? { table }

    public var boundedMasked: Bool { masked }

    @inline(__always)
    public func quadScaled(_ out: UnsafeMutablePointer<Int8>, _ a0: Int32, _ a1: Int32, _ a2: Int32, _ a3: Int32, _ c: Int) {
        let q = table + Self.recordWords &* c
        // All four results before the first store (a byte store could alias the table).
        let r0 = requantized(a0, q), r1 = requantized(a1, q + 4), r2 = requantized(a2, q + 8), r3 = requantized(a3, q + 12)
        out[0] = r0; out[1] = r1; out[2] = r2; out[3] = r3
    }
}
