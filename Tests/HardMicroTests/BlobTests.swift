import XCTest
import HardEngine
import HardMicro
import HardModels
@testable import HardDeploy

/// A quantized HARD-Edge (untrained, 32x32) as a blob: damaged blobs are refused with the
/// right error, never executed; the arena plan never overlaps live tensors; the int8 runtime
/// agrees with the fake-quantized float graph.
final class BlobTests: XCTestCase {
    static let fixture: (blob: [UInt8], quantizer: Quantizer, model: Int8Model) = {
        let net = Zoo.make(.edge, classes: 11, seed: 3)
        let graph = try! Graph.trace(net, height: 32, width: 32).inferenceReady()
        var calibrator = RangeCalibrator(valueCount: graph.shapes.count, method: .minMax)
        var rng = SeededGenerator(seed: 9)
        for _ in 0..<3 { calibrator.observe(graph, input: Tensor.normal([1, 3, 32, 32], generator: &rng)) }
        let q = Quantizer(graph: graph, calibrator: calibrator)
        let m = try! q.int8Model()
        return (m.blob(), q, m)
    }()

    func load(_ bytes: [UInt8]) -> MicroError? {
        let p = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 16)
        defer { p.deallocate() }
        bytes.withUnsafeBytes { p.copyMemory(from: $0) }
        do {
            _ = try MicroModel(blob: UnsafeRawBufferPointer(rebasing: p[0..<bytes.count]))
            return nil
        } catch {
            return error
        }
    }

    func testValidBlobLoads() throws {
        XCTAssertNil(load(Self.fixture.blob))
        let e = try Int8Executor(blob: Self.fixture.blob, source: "fixture")
        XCTAssertEqual(e.model.tensors.count, Self.fixture.model.tensors.count)
        XCTAssertEqual(e.inputShape.height, 32)
    }

    func testDamagedBlobsAreRefused() {
        let good = Self.fixture.blob
        var bad = good
        bad[0] ^= 0xFF
        XCTAssertEqual(load(bad), .badMagic)
        bad = good
        bad[4] = 2
        XCTAssertEqual(load(bad), .unsupportedVersion)
        XCTAssertEqual(load(Array(good.prefix(30))), .tooSmall)
        XCTAssertEqual(load(Array(good.prefix(good.count - 4))), .sizeMismatch)
        XCTAssertEqual(load(good + [0, 0, 0, 0]), .sizeMismatch)
        // Any single flipped bit after the CRC field is caught by the CRC.
        var rng = SeededGenerator(seed: 5)
        for _ in 0..<200 {
            bad = good
            let i = Int.random(in: 16..<good.count, using: &rng)
            bad[i] ^= UInt8(1 << Int.random(in: 0..<8, using: &rng))
            XCTAssertEqual(load(bad), .checksumMismatch, "byte \(i)")
        }
        // The host executor names the blob and the problem.
        bad = good
        bad[good.count - 1] ^= 1
        XCTAssertThrowsError(try Int8Executor(blob: bad, source: "model.hrdq")) { error in
            XCTAssertTrue("\(error)".contains("model.hrdq"), "\(error)")
            XCTAssertTrue("\(error)".contains("checksum"), "\(error)")
        }
    }

    /// Blobs with a valid CRC but nonsense fields (a buggy or hostile writer) are refused by
    /// the structural checks, or, if they pass them, run without touching memory outside
    /// the blob, the arena and the caller's buffers.
    func testStructurallyDamagedBlobsNeverCrash() {
        let good = Self.fixture.blob
        let opsByte = Int(good.withUnsafeBytes { $0.load(fromByteOffset: 32, as: UInt32.self) })
        var rng = SeededGenerator(seed: 11)
        var refused = 0
        for round in 0..<400 {
            var bad = good
            // A word in the header, tensor table or op records.
            let word = Int.random(in: 4..<(opsByte / 4 + 200), using: &rng)
            let value: UInt32 = round % 3 == 0 ? UInt32.random(in: 0...UInt32.max, using: &rng)
                : round % 3 == 1 ? UInt32.random(in: 0...300, using: &rng) : 0xFFFF_FFFF
            if word == 2 || word == 3 { continue }   // total size and CRC: covered above
            for k in 0..<4 { bad[4 * word + k] = UInt8((value >> (8 * UInt32(k))) & 0xFF) }
            let crc = bad.withUnsafeBytes { crc32(UnsafeRawBufferPointer(rebasing: $0[16...])) }
            for k in 0..<4 { bad[12 + k] = UInt8((crc >> (8 * UInt32(k))) & 0xFF) }
            if let executor = try? Int8Executor(blob: bad, source: "fuzz") {
                let t = executor.model.tensors[executor.model.inputTensor]
                _ = executor.classMap(rgb: [UInt8](repeating: 77, count: t.elementCount))
            } else {
                refused += 1
            }
        }
        XCTAssertGreaterThan(refused, 100)
    }

    func testArenaPlanNeverOverlapsLiveTensors() throws {
        let e = try Int8Executor(blob: Self.fixture.blob, source: "fixture")
        let plan = planArena(e.model)
        var sum = 0
        let n = e.model.tensors.count
        for a in 0..<n where plan.offsets[a] >= 0 {
            let sa = e.model.tensors[a].elementCount
            sum += sa
            XCTAssertLessThanOrEqual(plan.offsets[a] + sa, plan.tensorBytes)
            for b in (a + 1)..<n where plan.offsets[b] >= 0 {
                let live = plan.firstUse[a] <= plan.lastUse[b] && plan.firstUse[b] <= plan.lastUse[a]
                let sb = e.model.tensors[b].elementCount
                let disjoint = plan.offsets[a] + sa <= plan.offsets[b] || plan.offsets[b] + sb <= plan.offsets[a]
                XCTAssertTrue(!live || disjoint, "tensors \(a) and \(b) are live together and overlap")
            }
        }
        XCTAssertLessThan(plan.tensorBytes, sum / 2, "the planner reuses memory")
    }

    /// The int8 runtime and the fake-quantized float graph: logits within a few steps (the
    /// fixed-point multipliers and TFLite's rounding rules), classes mostly equal.
    func testInt8RuntimeAgreesWithFakeQuantization() throws {
        let (blob, quantizer, model) = Self.fixture
        let e = try Int8Executor(blob: blob, source: "fixture")
        var rng = SeededGenerator(seed: 21)
        let rgb = (0..<(32 * 32 * 3)).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let classes = e.classMap(rgb: rgb)
        let logits = e.values(of: e.logitsTensor)
        let x = Tensor.zeros([1, 3, 32, 32])
        for i in 0..<(32 * 32) { for c in 0..<3 {
            x.pointer[c * 1024 + i] = (Float(rgb[3 * i + c]) - [123.675, 116.28, 103.53][c]) * (1 / [58.395, 57.12, 57.375][c])
        } }
        let values = quantizer.fakeQuantized(x)
        let full = values[quantizer.graph.output]!               // (1, 11, 32, 32)
        XCTAssertTrue(e.model.fusedUpsampleArgMax)
        let fake = values[e.logitsTensor - 1]!                   // the classifier's output, (1, 11, 4, 4)
        let q = model.tensors[e.logitsTensor].quantization
        let hw = fake.shape[2] * fake.shape[3]
        XCTAssertEqual(logits.count, 11 * hw)
        var worst = 0.0, agree = 0
        for p in 0..<hw {
            for c in 0..<11 {
                worst = max(worst, abs(Double(q.dequantize(logits[p * 11 + c])) - Double(fake.pointer[c * hw + p])) / q.scale)
            }
        }
        for p in 0..<(32 * 32) {
            var best = 0
            for c in 1..<11 where full.pointer[c * 1024 + p] > full.pointer[best * 1024 + p] { best = c }
            if Int(classes[p]) == best { agree += 1 }
        }
        XCTAssertLessThanOrEqual(worst, 6, "int8 logits vs fake quantization, in output steps")
        XCTAssertGreaterThan(Double(agree) / 1024, 0.9)
    }

    func testPercentileCalibrationClipsOutliers() {
        let net = Zoo.make(.edge, classes: 11, seed: 3)
        let graph = try! Graph.trace(net, height: 32, width: 32).inferenceReady()
        var a = RangeCalibrator(valueCount: graph.shapes.count, method: .minMax)
        var b = RangeCalibrator(valueCount: graph.shapes.count, method: .percentile(99.0))
        var rng = SeededGenerator(seed: 2)
        let x = Tensor.normal([1, 3, 32, 32], generator: &rng)
        a.observe(graph, input: x)
        b.observe(graph, input: x)
        let (lo, hi) = a.range(0), (plo, phi) = b.range(0)
        XCTAssertLessThan(phi, hi)
        XCTAssertGreaterThan(plo, lo)
        XCTAssertGreaterThan(phi, 1.5)   // the 99th percentile of N(0, 1) is 2.33
        XCTAssertLessThan(phi, 3.2)
    }
}
