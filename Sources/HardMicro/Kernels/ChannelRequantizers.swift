import CMicroDSP

// Requantization of a convolution's int32 accumulators to int8 outputs, one multiplier per
// output channel. The kernels are generic over the strategy (specialised at compile time,
// no existential on the microcontroller); both strategies give the same integers as TFLite.

/// acc of output channel c -> int8 output (multiplier, output zero point, activation clamp).
public protocol ChannelRequantizer {
    func callAsFunction(_ acc: Int32, _ channel: Int) -> Int8
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
    public var mantissas: UnsafePointer<Int32>
    /// [right shift r, offset 2^(r-1) + zeroPoint * 2^r] per channel (`prepare`).
    public var table: UnsafePointer<Int32>

    public init(mantissas: UnsafePointer<Int32>, table: UnsafePointer<Int32>) {
        self.mantissas = mantissas; self.table = table
    }

    /// Bytes of the table for `channels` channels.
    public static func tableBytes(channels: Int) -> Int { 8 * channels }

    /// Fills `table` from TFLite shifts (each in -22...-1) and the output zero point.
    public static func prepare(shifts: UnsafePointer<Int32>, outputZeroPoint zp: Int32, channels: Int,
                               into table: UnsafeMutablePointer<Int32>) {
        for c in 0..<channels {
            let r = 0 &- shifts[c]
            table[2 * c] = r
            table[2 * c + 1] = (Int32(1) &<< (r &- 1)) &+ (zp &<< r)
        }
    }

    @inline(__always)
    public func callAsFunction(_ acc: Int32, _ c: Int) -> Int8 {
        Int8(truncatingIfNeeded: hard_bounded_requantize(acc, mantissas[c], table[2 &* c], table[2 &* c &+ 1]))
    }
}
