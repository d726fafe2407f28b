import XCTest
import HardEngine
@testable import HardMicro
@testable import HardDeploy

/// The requantization arithmetic against values worked out by hand from TFLite's rules.
final class RequantizationTests: XCTestCase {
    func testSaturatingRoundingDoublingHighMul() {
        let q30: Int32 = 1 << 30
        XCTAssertEqual(saturatingRoundingDoublingHighMul(q30, q30), 1 << 29)            // 0.5 * 0.5 in Q31
        XCTAssertEqual(saturatingRoundingDoublingHighMul(3, q30), 2)                     // 1.5: tie goes up
        XCTAssertEqual(saturatingRoundingDoublingHighMul(-3, q30), -1)                   // -1.5: tie goes up too
        XCTAssertEqual(saturatingRoundingDoublingHighMul(5, q30), 3)                     // 2.5 -> 3
        XCTAssertEqual(saturatingRoundingDoublingHighMul(-5, q30), -2)                   // -2.5 -> -2
        XCTAssertEqual(saturatingRoundingDoublingHighMul(-7, q30), -3)                   // -3.5 -> -3
        XCTAssertEqual(saturatingRoundingDoublingHighMul(7, 1_610_612_736), 5)           // 7 * 0.75 = 5.25 -> 5
        XCTAssertEqual(saturatingRoundingDoublingHighMul(-7, 1_610_612_736), -5)         // -5.25 -> -5
        XCTAssertEqual(saturatingRoundingDoublingHighMul(Int32.min, Int32.min), Int32.max)  // the one overflow saturates
        XCTAssertEqual(saturatingRoundingDoublingHighMul(Int32.min, Int32.max), -Int32.max) // -2^31 * (1 - 2^-31)
    }

    func testRoundingDivideByPowerOfTwo() {
        XCTAssertEqual(roundingDivideByPowerOfTwo(5, 1), 3)      // 2.5 -> 3 (away from zero)
        XCTAssertEqual(roundingDivideByPowerOfTwo(-5, 1), -3)    // -2.5 -> -3
        XCTAssertEqual(roundingDivideByPowerOfTwo(-1, 1), -1)    // -0.5 -> -1
        XCTAssertEqual(roundingDivideByPowerOfTwo(1, 1), 1)      // 0.5 -> 1
        XCTAssertEqual(roundingDivideByPowerOfTwo(5, 2), 1)      // 1.25 -> 1
        XCTAssertEqual(roundingDivideByPowerOfTwo(6, 2), 2)      // 1.5 -> 2
        XCTAssertEqual(roundingDivideByPowerOfTwo(-6, 2), -2)    // -1.5 -> -2
        XCTAssertEqual(roundingDivideByPowerOfTwo(-7, 2), -2)    // -1.75 -> -2
        XCTAssertEqual(roundingDivideByPowerOfTwo(-5, 2), -1)    // -1.25 -> -1
        XCTAssertEqual(roundingDivideByPowerOfTwo(123, 0), 123)
        XCTAssertEqual(roundingDivideByPowerOfTwo(Int32.max, 31), 1)
        XCTAssertEqual(roundingDivideByPowerOfTwo(Int32.min, 31), -1)
    }

    func testMultiplyByQuantizedMultiplierDoubleRounding() {
        let quarter = QuantizedMultiplier(mantissa: 1 << 30, shift: -1)   // 0.25
        XCTAssertEqual(multiplyByQuantizedMultiplier(10, quarter), 3)     // 2.5 -> 3
        XCTAssertEqual(multiplyByQuantizedMultiplier(-10, quarter), -3)   // -2.5 -> -3
        XCTAssertEqual(multiplyByQuantizedMultiplier(3, quarter), 1)      // 0.75 -> 1
        // Double rounding: 0.25 is rounded up twice (0.5 -> 1, then 0.5 -> 1), as TFLite does.
        XCTAssertEqual(multiplyByQuantizedMultiplier(1, quarter), 1)
        XCTAssertEqual(multiplyByQuantizedMultiplier(-1, quarter), 0)     // -0.5 -> 0 (tie up), then 0
        let four = QuantizedMultiplier(mantissa: 1 << 30, shift: 3)        // 4.0: left shift first
        XCTAssertEqual(multiplyByQuantizedMultiplier(-7, four), -28)
        let small = QuantizedMultiplier(mantissa: 1_431_655_765, shift: -6)  // (2/3) * 2^-6 = 0.0104...
        XCTAssertEqual(multiplyByQuantizedMultiplier(10_000, small), 104)  // 104.17
        XCTAssertEqual(multiplyByQuantizedMultiplier(-10_000, small), -104)
    }

    func testQuantizeMultiplier() throws {
        XCTAssertEqual(try quantizeMultiplier(0.5), QuantizedMultiplier(mantissa: 1 << 30, shift: 0))
        XCTAssertEqual(try quantizeMultiplier(1.0), QuantizedMultiplier(mantissa: 1 << 30, shift: 1))
        XCTAssertEqual(try quantizeMultiplier(0.75), QuantizedMultiplier(mantissa: 1_610_612_736, shift: 0))
        XCTAssertEqual(try quantizeMultiplier(0.1), QuantizedMultiplier(mantissa: 1_717_986_918, shift: -3))  // 0.8 * 2^31 = 1717986918.4
        XCTAssertEqual(try quantizeMultiplier(0), QuantizedMultiplier(mantissa: 0, shift: 0))
        // A fraction that rounds up to 2^31 becomes 2^30 with the exponent raised by one.
        XCTAssertEqual(try quantizeMultiplier(1 - 1e-12), QuantizedMultiplier(mantissa: 1 << 30, shift: 1))
        XCTAssertEqual(try quantizeMultiplier(1e-12), QuantizedMultiplier(mantissa: 0, shift: 0))   // flushed
        XCTAssertThrowsError(try quantizeMultiplier(.nan))
        XCTAssertThrowsError(try quantizeMultiplier(-1))
    }

    func testActivationParametersAndBounds() {
        let q = ActivationQuantization(range: 0, 6)      // ReLU6 output
        XCTAssertEqual(q.zeroPoint, -128)
        XCTAssertEqual(q.scale, Double(Float(6.0 / 255)))   // a float32 value, as TFLite stores it
        XCTAssertEqual(q.activationBounds(.relu6).0, -128)
        XCTAssertEqual(q.activationBounds(.relu6).1, 127)
        let wide = ActivationQuantization(range: -2, 10.75)  // scale 12.75 / 255 = 0.05, zero point -128 + 40
        XCTAssertEqual(wide.scale, Double(Float(0.05)))
        XCTAssertEqual(wide.zeroPoint, -88)
        XCTAssertEqual(wide.activationBounds(.relu).0, -88)
        XCTAssertEqual(wide.activationBounds(.relu6).1, -88 + 120)   // 6 / 0.05
        XCTAssertEqual(wide.activationBounds(.none).1, 127)
        // Saturation: values past the range clamp to the int8 ends.
        XCTAssertEqual(wide.quantize(1e6), 127)
        XCTAssertEqual(wide.quantize(-1e6), -128)
        XCTAssertEqual(wide.quantize(0), -88)                         // 0.0 is exact
        XCTAssertEqual(wide.dequantize(wide.quantize(0)), 0)
    }

    /// The kernels' fused requantize equals the reference rules plus zero point and clamp.
    func testFusedRequantizeEqualsTheReferenceRules() {
        var rng = SeededGenerator(seed: 8)
        for _ in 0..<20_000 {
            let acc = Int32.random(in: Int32.min...Int32.max, using: &rng) >> Int32.random(in: 0...20, using: &rng)
            let mantissa = Int32.random(in: (1 << 30)...Int32.max, using: &rng)
            let shift = Int32.random(in: -31...4, using: &rng)
            let zp = Int32.random(in: -128...127, using: &rng)
            let lo = Int32.random(in: -128...0, using: &rng), hi = Int32.random(in: 0...127, using: &rng)
            let expected = clampToInt8(multiplyByQuantizedMultiplier(acc, mantissa, shift) &+ zp, lo, hi)
            XCTAssertEqual(requantize(acc, mantissa, shift, zp, lo, hi), expected, "acc \(acc) M \(mantissa) shift \(shift)")
        }
    }

    /// The bounded requantizer equals the reference rules (plus zero point and int8 clamp) over
    /// its whole domain (|acc| < 2^(30 - max(shift, 0)), shift -22...6, any zero point), ties and
    /// edges included.
    func testBoundedRequantizerEqualsTheReferenceRules() {
        var rng = SeededGenerator(seed: 9)
        var cases: [(Int32, Int32, Int32, Int32)] = []
        let edges: [Int32] = [0, 1, -1, (1 << 30) - 1, -(1 << 30) + 1, 1 << 29, -(1 << 29)]
        for shift in Int32(-22)...0 {
            for acc in edges {
                for zp: Int32 in [-128, 0, 127] { cases.append((acc, 1 << 30, shift, zp)); cases.append((acc, Int32.max, shift, zp)) }
            }
        }
        for _ in 0..<50_000 {
            let acc = Int32.random(in: -(1 << 30) + 1...(1 << 30) - 1, using: &rng) >> Int32.random(in: 0...24, using: &rng)
            cases.append((acc, Int32.random(in: (1 << 30)...Int32.max, using: &rng), Int32.random(in: -22...0, using: &rng),
                          Int32.random(in: -128...127, using: &rng)))
        }
        // Left shifts (multipliers in [1, 64), depthwise only): |acc| < 2^(30 - s).
        for _ in 0..<20_000 {
            let s = Int32.random(in: 1...6, using: &rng)
            let bound = (Int32(1) << (30 - s)) - 1
            let acc = Int32.random(in: -bound...bound, using: &rng) >> Int32.random(in: 0...20, using: &rng)
            cases.append((acc, Int32.random(in: (1 << 30)...Int32.max, using: &rng), s, Int32.random(in: -128...127, using: &rng)))
        }
        for s in Int32(1)...6 { for acc in [(Int32(1) << (30 - s)) - 1, -(Int32(1) << (30 - s)) + 1, 1, -1, 0] {
            cases.append((acc, 1 << 30, s, 3)); cases.append((acc, Int32.max, s, -128))
        } }
        // Exact ties of the final rounding: acc * M / 2^31 lands on a half for M = 2^30 (1/2).
        for r in Int32(1)...12 { for k in Int32(-40)...40 { cases.append(((2 * k + 1) << r, 1 << 30, -r, -5)) } }
        var mantissas = [Int32](repeating: 0, count: 1), shifts = [Int32](repeating: 0, count: 1)
        var table = [Int32](repeating: 0, count: BoundedRequantizer.recordWords)
        for (acc, mantissa, shift, zp) in cases {
            mantissas[0] = mantissa; shifts[0] = shift
            let flags = BoundedRequantizer.prepare(mantissas: mantissas, shifts: shifts, outputZeroPoint: zp, channels: 1, into: &table)
            XCTAssertEqual(flags.masked, shift >= 0)
            XCTAssertEqual(flags.leftShifted, shift > 0)
            let got = table.withUnsafeBufferPointer { t in shifts.withUnsafeBufferPointer { s in
                BoundedRequantizer(table: t.baseAddress!, masked: flags.masked, leftShifts: flags.leftShifted ? s.baseAddress : nil)(acc, 0)
            } }
            let expected = clampToInt8(multiplyByQuantizedMultiplier(acc, mantissa, shift) &+ zp, -128, 127)
            XCTAssertEqual(got, expected, "acc \(acc) M \(mantissa) shift \(shift) zp \(zp)")
            if got != expected { return }
        }
    }
}
