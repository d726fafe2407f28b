import Foundation
import HardMicro

/// Affine int8 quantization of one activation tensor: real = scale * (q - zeroPoint).
public struct ActivationQuantization: Equatable, Sendable {
    public var scale: Double
    public var zeroPoint: Int32

    /// The int8 parameters covering [lo, hi] (widened to contain 0, so that 0.0 is exact:
    /// padding and ReLU bounds need it). The scale is a float32 value, as a .tflite file
    /// stores it: TFLite derives the requantization multipliers from the file's float32
    /// scales, so ours must come from the same numbers for the export to be bit-exact.
    public init(range lo: Float, _ hi: Float) {
        let l = Double(min(lo, 0)), h = Double(max(hi, 0))
        let s = Double(Float(max(h - l, 1e-8) / 255))
        scale = s
        zeroPoint = Int32(max(-128, min(127, (-128 - l / s).rounded())))
    }

    public init(scale: Double, zeroPoint: Int32) {
        self.scale = scale
        self.zeroPoint = zeroPoint
    }

    @inline(__always)
    public func quantize(_ x: Float) -> Int8 {
        Int8(max(-128, min(127, (Double(x) / scale).rounded() + Double(zeroPoint))))
    }

    @inline(__always)
    public func dequantize(_ q: Int8) -> Float { Float(scale * Double(Int32(q) - zeroPoint)) }

    /// The clamp bounds of a fused activation (TFLite: ReLU = [max(-128, zp), 127],
    /// ReLU6 = [max(-128, zp), min(127, zp + round(6 / scale))], the division in float32 as
    /// TFLite's CalculateActivationRangeQuantized does it).
    public func activationBounds(_ kind: ActivationBound) -> (Int32, Int32) {
        switch kind {
        case .none: return (-128, 127)
        case .relu: return (max(-128, zeroPoint), 127)
        case .relu6:
            let steps = (Float(6) / Float(scale)).rounded()
            return (max(-128, zeroPoint), steps >= 255 ? 127 : min(127, zeroPoint + Int32(steps)))
        }
    }
}

public enum ActivationBound: Sendable { case none, relu, relu6 }

/// TFLite's QuantizeMultiplier: M = mantissa * 2^(shift - 31) with a Q31 mantissa in
/// [2^30, 2^31), rounded half away from zero (2^31 becomes 2^30 with shift + 1). M = 0 gives
/// (0, 0); tiny M (shift < -31) flushes to zero; M >= 2^30 is refused.
public func quantizeMultiplier(_ m: Double) throws -> QuantizedMultiplier {
    guard m.isFinite, m >= 0 else { throw ExportError(message: "int8: multiplier \(m) is not a finite non-negative number") }
    if m == 0 { return QuantizedMultiplier(mantissa: 0, shift: 0) }
    let parts = frexp(m)   // m = fraction * 2^exponent, fraction in [0.5, 1)
    var q = (parts.0 * Double(1 << 31)).rounded()
    var shift = parts.1
    if q == Double(1 << 31) {
        q /= 2
        shift += 1
    }
    if shift < -31 { return QuantizedMultiplier(mantissa: 0, shift: 0) }
    guard shift <= 30 else { throw ExportError(message: "int8: multiplier \(m) is too large (scales out of proportion)") }
    return QuantizedMultiplier(mantissa: Int32(q), shift: Int32(shift))
}

/// Per-output-channel symmetric int8 weights: scale_c = max|w_c| / 127 (a float32 value, as
/// the .tflite file stores it), q in [-127, 127].
public struct ChannelQuantizedWeights {
    public var values: [Int8]
    public var scales: [Double]

    /// `weights`: Cout rows of `perChannel` floats.
    public init(_ weights: UnsafePointer<Float>, channels: Int, perChannel: Int) {
        values = [Int8](repeating: 0, count: channels * perChannel)
        scales = []
        for c in 0..<channels {
            var m: Float = 0
            for k in 0..<perChannel { m = max(m, abs(weights[c * perChannel + k])) }
            let s = m > 0 ? Double(Float(Double(m) / 127)) : 1
            scales.append(s)
            for k in 0..<perChannel {
                values[c * perChannel + k] = Int8(max(-127, min(127, (Double(weights[c * perChannel + k]) / s).rounded())))
            }
        }
    }
}
