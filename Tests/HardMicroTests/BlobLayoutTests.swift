import XCTest
import HardMicro
@testable import HardDeploy

/// The blob stays version 1 byte for byte: firmware results and blobs written before the op
/// records were declared as structs (`Sources/HardMicro/BlobRecords.swift`) stay valid.
final class BlobLayoutTests: XCTestCase {
    /// A small valid graph with every op of the runtime (dense and depthwise convolutions,
    /// both pools, both global pools, add, concat, resize, argmax, the input lookup), its
    /// arrays filled with fixed patterns: independent of the quantizer.
    static func everyOpModel() -> Int8Model {
        var m = Int8Model()
        let q = ActivationQuantization(scale: 0.05, zeroPoint: -3)
        func tensor(_ h: Int, _ w: Int, _ c: Int, _ type: ElementType = .int8,
                    _ quantization: ActivationQuantization? = nil) -> Int {
            m.tensors.append(.init(height: h, width: w, channels: c, type: type, quantization: quantization ?? q))
            return m.tensors.count - 1
        }
        func bytes(_ n: Int, _ seed: Int) -> [Int8] { (0..<n).map { Int8(truncatingIfNeeded: ($0 &* 37 &+ seed) % 11 - 5) } }
        func words(_ n: Int, _ seed: Int32) -> [Int32] { (0..<Int32(n)).map { $0 * 97 - seed } }
        func multipliers(_ n: Int) -> [QuantizedMultiplier] {
            (0..<n).map { QuantizedMultiplier(mantissa: 1 << 30 + Int32($0) * 12345, shift: -7 - Int32($0 % 3)) }
        }
        let input = tensor(8, 8, 3, .uint8, ActivationQuantization(scale: 1, zeroPoint: 0))
        let normalised = tensor(8, 8, 3)
        let dense = tensor(8, 8, 4), depthwise = tensor(8, 8, 4), sum = tensor(8, 8, 4)
        let maxPooled = tensor(4, 4, 4), averaged = tensor(4, 4, 4), joined = tensor(4, 4, 8)
        let globalAverage = tensor(1, 1, 8), globalMax = tensor(1, 1, 8)
        let logits = tensor(4, 4, 3), resized = tensor(8, 8, 3)
        let output = tensor(8, 8, 1, .uint8, ActivationQuantization(scale: 1, zeroPoint: 0))
        let row = denseRowBytes(kernelH: 3, kernelW: 3, inputChannels: 3)
        m.ops = [
            .inputLookup(input: input, output: normalised, table: bytes(3 * 256, 1)),
            .conv(input: normalised, output: dense, geometry: ConvGeometry(kernelH: 3, kernelW: 3, padH: 1, padW: 1),
                  depthwise: false, bounds: (-128, 127), weights: bytes(4 * row, 2), bias: words(4, 5),
                  foldedBias: words(4, 7), multipliers: multipliers(4)),
            .conv(input: dense, output: depthwise, geometry: ConvGeometry(kernelH: 3, kernelW: 3, padH: 2, padW: 2,
                                                                          dilationH: 2, dilationW: 2),
                  depthwise: true, bounds: (-3, 120), weights: bytes(9 * 4, 3), bias: words(4, 11),
                  foldedBias: [], multipliers: multipliers(4)),
            .add(dense, depthwise, output: sum, leftShift: 20, input1: QuantizedMultiplier(mantissa: 1 << 30, shift: -1),
                 input2: QuantizedMultiplier(mantissa: 1 << 29 + 7, shift: -2),
                 outputMultiplier: QuantizedMultiplier(mantissa: 1 << 30 + 3, shift: -18), bounds: (-128, 100)),
            .pool(sum, output: maxPooled, maximum: true, geometry: ConvGeometry(kernelH: 2, kernelW: 2, strideH: 2, strideW: 2)),
            .pool(maxPooled, output: averaged, maximum: false, geometry: ConvGeometry(kernelH: 3, kernelW: 3, padH: 1, padW: 1)),
            .concat([maxPooled, averaged], output: joined),
            .globalPool(joined, output: globalAverage, maximum: false),
            .globalPool(joined, output: globalMax, maximum: true),
            .conv(input: joined, output: logits, geometry: ConvGeometry(kernelH: 1, kernelW: 1), depthwise: false,
                  bounds: (-128, 127), weights: bytes(3 * denseRowBytes(kernelH: 1, kernelW: 1, inputChannels: 8), 4),
                  bias: words(3, 13), foldedBias: words(3, 17), multipliers: multipliers(3)),
            .resize(logits, output: resized),
            .argMax(resized, output: output),
        ]
        m.input = input
        m.output = output
        m.logits = resized
        return m
    }

    func fingerprint(_ blob: [UInt8]) -> String {
        String(format: "%d bytes, fnv1a %08x", blob.count, blob.withUnsafeBytes { fnv1a32($0) })
    }

    /// Fingerprint recorded from the writer before the op records were structs (commit
    /// 84f8ea0, positional words): the every-op blob, built from fixed integers, pins the
    /// layout. Re-recorded 2026-12-03: scales became float32 values (what a .tflite stores).
    /// The quantized fixture's bytes are not pinned: its ranges come from float forward passes,
    /// whose last bits depend on the CPU's vector width (oneDNN picks the kernels at run time;
    /// an AMD EPYC machine gave fnv1a d7ec10fb where the recording machine gave 792abb8c), so
    /// only its size, which the shapes alone decide, is.
    func testBlobBytesAreUnchanged() {
        XCTAssertEqual(fingerprint(Self.everyOpModel().blob()), "2048 bytes, fnv1a 0b47a775")
        XCTAssertEqual(BlobTests.fixture.blob.count, 145804)
    }

    /// The records the writer encodes are the ones the validator decodes, field for field.
    func testRecordsRoundTrip() throws {
        let m = Self.everyOpModel()
        let blob = m.blob()
        let p = UnsafeMutableRawBufferPointer.allocate(byteCount: blob.count, alignment: 16)
        defer { p.deallocate() }
        blob.withUnsafeBytes { p.copyMemory(from: $0) }
        let model = try MicroModel(blob: UnsafeRawBufferPointer(p))
        let opsByte = 4 * (BlobFormat.headerWords + m.tensors.count * BlobFormat.tensorWords)
        var sizing = BlobData(start: 0), sized = RecordWriter()
        for op in m.ops { op.record(&sizing).encode(into: &sized) }
        var data = BlobData(start: opsByte + 4 * sized.words.count)
        let written = m.ops.map { $0.record(&data) }
        XCTAssertEqual(model.records, written)
        XCTAssertEqual(model.records.map(\.code), [.inputLookup, .conv, .conv, .add, .maxPool, .averagePool, .concat,
                                                  .globalAveragePool, .globalMaxPool, .conv, .resizeBilinear, .argMax])
        XCTAssertEqual(model.boundedRequantization, [false, true, false, false, false, false, false, false, false, true, false, false])
        XCTAssertTrue(model.fusedUpsampleArgMax)
        guard case .conv(let depthwise) = model.records[2] else { return XCTFail("op 2 is not a convolution") }
        XCTAssertTrue(depthwise.depthwise)
        XCTAssertEqual(depthwise.foldedBias, 0)
        XCTAssertEqual(depthwise.geometry, ConvGeometry(kernelH: 3, kernelW: 3, padH: 2, padW: 2, dilationH: 2, dilationW: 2))
        XCTAssertEqual(depthwise.activationMin, -3)
    }

    /// Records too short, too long, or with a flag other than 0/1 are refused as malformed;
    /// an unknown opcode as unknown.
    func testRecordDecodingRefusesBadLengths() {
        func decode(_ words: [UInt32]) -> MicroError? {
            words.withUnsafeBytes { w -> MicroError? in
                do throws(MicroError) {
                    _ = try OpRecord.decode(words: w.baseAddress!, wordCount: words.count)
                    return nil
                } catch { return error }
            }
        }
        XCTAssertNil(decode([OpCode.argMax.rawValue, 4, 1, 2]))
        XCTAssertEqual(decode([OpCode.argMax.rawValue, 3, 1]), .malformedOp)
        XCTAssertEqual(decode([OpCode.argMax.rawValue, 5, 1, 2, 3]), .malformedOp)
        XCTAssertEqual(decode([99, 4, 1, 2]), .unknownOp)
        XCTAssertNil(decode([OpCode.concat.rawValue, 6, 7, 2, 3, 4]))
        XCTAssertEqual(decode([OpCode.concat.rawValue, 5, 7, 3, 3]), .malformedOp)
        XCTAssertEqual(decode([OpCode.concat.rawValue, 4, 7, 0xFFFF_FFFF]), .malformedOp)
        var conv: [UInt32] = [OpCode.conv.rawValue, 20, 1, 2, 3, 3, 1, 1, 1, 1, 1, 1, 0, 0xFFFF_FF80, 127, 64, 68, 72, 76, 80]
        XCTAssertNil(decode(conv))
        conv[12] = 2   // depthwise
        XCTAssertEqual(decode(conv), .malformedOp)
    }
}
