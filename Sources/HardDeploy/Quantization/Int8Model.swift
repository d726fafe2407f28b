import Foundation
import HardMicro

/// The quantized graph on the host: what the blob holds, in host types. NHWC, batch 1.
public struct Int8Model {
    public struct TensorInfo {
        public var height: Int, width: Int, channels: Int
        public var type: ElementType
        public var quantization: ActivationQuantization
    }

    public enum Op {
        case inputLookup(input: Int, output: Int, table: [Int8])
        /// weights [Cout][row] with row = [kh][kw][Cin] padded to 4 bytes (dense) or [kh][kw][C]
        /// (depthwise); `weightScales` (per output channel) are what the multipliers came from
        /// (the TFLite export writes them; the blob does not need them).
        case conv(input: Int, output: Int, geometry: ConvGeometry, depthwise: Bool, bounds: (Int32, Int32),
                  weights: [Int8], bias: [Int32], foldedBias: [Int32], multipliers: [QuantizedMultiplier],
                  weightScales: [Double] = [])
        case add(Int, Int, output: Int, leftShift: Int32, input1: QuantizedMultiplier, input2: QuantizedMultiplier,
                 outputMultiplier: QuantizedMultiplier, bounds: (Int32, Int32))
        case concat([Int], output: Int)
        case pool(Int, output: Int, maximum: Bool, geometry: ConvGeometry)
        case globalPool(Int, output: Int, maximum: Bool)
        case resize(Int, output: Int)
        case argMax(Int, output: Int)
    }

    public var tensors: [TensorInfo] = []
    public var ops: [Op] = []
    public var input = 0
    public var output = 0
    /// The tensor the argmax reads: the int8 logits at the output resolution.
    public var logits = 0

    /// The versioned little-endian blob (BlobFormat), CRC-32 filled in.
    public func blob() -> [UInt8] {
        var w = RecordWriter()
        w.words = [UInt32](repeating: 0, count: BlobFormat.headerWords)
        for t in tensors {
            w.words += [UInt32(t.height), UInt32(t.width), UInt32(t.channels), t.type.rawValue,
                        UInt32(bitPattern: t.quantization.zeroPoint), Float(t.quantization.scale).bitPattern, 0, 0]
        }
        let opsByte = w.words.count * 4
        // A record's length never depends on its data offsets: size the op section with a
        // throwaway data section, then write the records pointing into the real one.
        var sizing = BlobData(start: 0)
        var sized = RecordWriter()
        for op in ops { op.record(&sizing).encode(into: &sized) }
        var data = BlobData(start: opsByte + 4 * sized.words.count)
        for op in ops { op.record(&data).encode(into: &w) }
        precondition(w.words.count * 4 == data.start)
        var bytes = [UInt8](repeating: 0, count: data.start)
        bytes.withUnsafeMutableBytes { p in
            for (i, v) in w.words.enumerated() { p.storeBytes(of: v.littleEndian, toByteOffset: 4 * i, as: UInt32.self) }
        }
        bytes += data.bytes
        func put(_ v: UInt32, at i: Int) {
            for k in 0..<4 { bytes[4 * i + k] = UInt8((v >> (8 * UInt32(k))) & 0xFF) }
        }
        put(BlobFormat.magic, at: 0)
        put(BlobFormat.version, at: 1)
        put(UInt32(bytes.count), at: 2)
        put(UInt32(tensors.count), at: 4)
        put(UInt32(ops.count), at: 5)
        put(UInt32(input), at: 6)
        put(UInt32(output), at: 7)
        put(UInt32(opsByte), at: 8)
        let crc = bytes.withUnsafeBytes { crc32(UnsafeRawBufferPointer(rebasing: $0[BlobFormat.checksummedFrom...])) }
        put(crc, at: 3)
        return bytes
    }
}

/// The blob's data section: arrays appended little-endian, each padded to 4 bytes.
struct BlobData {
    /// Byte offset of the section in the blob.
    let start: Int
    var bytes: [UInt8] = []

    /// Appends `values`; returns their byte offset in the blob.
    mutating func append<T: FixedWidthInteger>(_ values: [T]) -> Int {
        let at = start + bytes.count
        for v in values {
            withUnsafeBytes(of: v.littleEndian) { bytes += $0 }
        }
        while bytes.count % 4 != 0 { bytes.append(0) }
        return at
    }
}

extension Int8Model.Op {
    /// The blob record of this op (BlobRecords.swift), its arrays appended to `data` in
    /// record order.
    func record(_ data: inout BlobData) -> OpRecord {
        switch self {
        case .inputLookup(let i, let out, let table):
            return .inputLookup(InputLookupRecord(input: i, output: out, table: data.append(table)))
        case .conv(let i, let out, let g, let depthwise, let bounds, let weights, let bias, let folded, let m, _):
            let w = data.append(weights), b = data.append(bias)
            let f = depthwise ? 0 : data.append(folded)
            let mantissas = data.append(m.map(\.mantissa)), shifts = data.append(m.map(\.shift))
            return .conv(ConvRecord(input: i, output: out, geometry: g, depthwise: depthwise, activationMin: bounds.0,
                                    activationMax: bounds.1, weights: w, bias: b, foldedBias: f,
                                    mantissas: mantissas, shifts: shifts))
        case .add(let a, let b, let out, let leftShift, let m1, let m2, let mo, let bounds):
            return .add(AddRecord(input1: a, input2: b, output: out, leftShift: leftShift, input1Multiplier: m1,
                                  input2Multiplier: m2, outputMultiplier: mo, activationMin: bounds.0, activationMax: bounds.1))
        case .concat(let xs, let out):
            return .concat(ConcatRecord(inputs: xs, output: out))
        case .pool(let i, let out, let maximum, let g):
            let r = PoolRecord(input: i, output: out, geometry: g)
            return maximum ? .maxPool(r) : .averagePool(r)
        case .globalPool(let i, let out, let maximum):
            let r = UnaryRecord(input: i, output: out)
            return maximum ? .globalMaxPool(r) : .globalAveragePool(r)
        case .resize(let i, let out):
            return .resizeBilinear(UnaryRecord(input: i, output: out))
        case .argMax(let i, let out):
            return .argMax(UnaryRecord(input: i, output: out))
        }
    }
}
