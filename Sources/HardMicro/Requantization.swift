import CMicroDSP

// TFLite's integer requantization rules, bit for bit (the reference kernels of TFLite Micro,
// CMSIS-NN and STM32Cube.AI use them). Pure integer arithmetic: the host and the Cortex-M7
// compute identical values.

/// A real multiplier M as `mantissa * 2^(shift - 31)`, mantissa a Q31 value in [2^30, 2^31).
public struct QuantizedMultiplier: Equatable {
    public var mantissa: Int32
    public var shift: Int32

    public init(mantissa: Int32, shift: Int32) {
        self.mantissa = mantissa
        self.shift = shift
    }
}

/// a * b / 2^31 rounded to nearest (gemmlowp's SaturatingRoundingDoublingHighMul): the
/// 64-bit product is nudged by +2^30 (or 1 - 2^30 when negative) and divided by 2^31,
/// truncating, so ties go towards +infinity (1.5 -> 2, -1.5 -> -1). INT32_MIN * INT32_MIN
/// is the only overflow and saturates to INT32_MAX.
///
/// Computed as (a * b + 2^30) >> 31 (arithmetic): for a negative product, truncating
/// (p + 1 - 2^30) / 2^31 towards zero is the floor of (p + 2^30) / 2^31, so both signs are
/// one add and one shift (SMULL, ADDS/ADC, a funnel shift on the Cortex-M7).
@inline(__always)
public func saturatingRoundingDoublingHighMul(_ a: Int32, _ b: Int32) -> Int32 {
    if a == Int32.min && b == Int32.min { return Int32.max }
    return Int32(truncatingIfNeeded: (Int64(a) &* Int64(b) &+ (1 << 30)) &>> 31)
}

/// x / 2^exponent rounded to nearest, ties away from zero (gemmlowp's RoundingDivideByPOT);
/// exponent in 0...31.
@inline(__always)
public func roundingDivideByPowerOfTwo(_ x: Int32, _ exponent: Int32) -> Int32 {
    let mask: Int32 = (Int32(1) &<< exponent) &- 1   // exponent 31: 2^31 - 1 without overflow
    let remainder = x & mask
    let threshold = (mask &>> 1) &+ (x < 0 ? 1 : 0)
    return (x &>> exponent) &+ (remainder > threshold ? 1 : 0)
}

/// x * M, TFLite Micro's default "double rounding" form: left shift by max(shift, 0), the
/// rounding doubling high multiply, then a rounding right shift by max(-shift, 0).
@inline(__always)
public func multiplyByQuantizedMultiplier(_ x: Int32, _ m: QuantizedMultiplier) -> Int32 {
    multiplyByQuantizedMultiplier(x, m.mantissa, m.shift)
}

@inline(__always)
public func multiplyByQuantizedMultiplier(_ x: Int32, _ mantissa: Int32, _ shift: Int32) -> Int32 {
    let left = shift > 0 ? shift : 0
    let right = shift > 0 ? 0 : 0 &- shift
    return roundingDivideByPowerOfTwo(saturatingRoundingDoublingHighMul(x &<< left, mantissa), right)
}

/// `multiplyByQuantizedMultiplier` for a non-negative mantissa (the blob validation
/// guarantees it), in fewer instructions: the high multiply without the saturation test that
/// only INT32_MIN * INT32_MIN needs. The same integers.
@inline(__always)
func multiplyByNonNegativeMultiplier(_ x: Int32, _ mantissa: Int32, _ shift: Int32) -> Int32 {
    let left = shift > 0 ? shift : 0
    let right = shift > 0 ? 0 : 0 &- shift
    let high = hard_rounding_high_mul(x &<< left, mantissa)
    let mask: Int32 = (Int32(1) &<< right) &- 1
    let threshold = (mask &>> 1) &+ Int32(bitPattern: UInt32(bitPattern: high) &>> 31)
    return (high &>> right) &+ ((high & mask) > threshold ? 1 : 0)
}

/// An accumulator to an int8 output: requantized, the output zero point added, clamped to the
/// activation's bounds [lo, hi].
@inline(__always)
func requantize(_ acc: Int32, _ mantissa: Int32, _ shift: Int32, _ zeroPoint: Int32, _ lo: Int32, _ hi: Int32) -> Int8 {
    let v = multiplyByNonNegativeMultiplier(acc, mantissa, shift) &+ zeroPoint
    return Int8(truncatingIfNeeded: v < lo ? lo : (v > hi ? hi : v))
}

/// Clamps an int32 into [lo, hi] (both inside the int8 range) and narrows it.
@inline(__always)
func clampToInt8(_ v: Int32, _ lo: Int32, _ hi: Int32) -> Int8 {
    Int8(truncatingIfNeeded: v < lo ? lo : (v > hi ? hi : v))
}
