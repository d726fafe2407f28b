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
        /// weights [Cout][kh][kw][Cin] (dense) or [kh][kw][C] (depthwise)
        case conv(input: Int, output: Int, geometry: ConvGeometry, depthwise: Bool, bounds: (Int32, Int32),
                  weights: [Int8], bias: [Int32], foldedBias: [Int32], multipliers: [QuantizedMultiplier])
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
        var w = BlobWords()
        w.words = [UInt32](repeating: 0, count: BlobFormat.headerWords)
        for t in tensors {
            w.words += [UInt32(t.height), UInt32(t.width), UInt32(t.channels), t.type.rawValue,
                        UInt32(bitPattern: t.quantization.zeroPoint), Float(t.quantization.scale).bitPattern, 0, 0]
        }
        let opsByte = w.words.count * 4
        var records: [[BlobWords.Operand]] = []
        for op in ops { records.append(w.record(op)) }
        let opsWords = records.reduce(0) { $0 + $1.count }
        let dataStart = opsByte + opsWords * 4
        for r in records {
            for o in r {
                switch o {
                case .word(let v): w.words.append(v)
                case .data(let rel): w.words.append(UInt32(dataStart + rel))
                }
            }
        }
        precondition(w.words.count * 4 == dataStart)
        var bytes = [UInt8](repeating: 0, count: dataStart)
        bytes.withUnsafeMutableBytes { p in
            for (i, v) in w.words.enumerated() { p.storeBytes(of: v.littleEndian, toByteOffset: 4 * i, as: UInt32.self) }
        }
        bytes += w.data
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

/// Op records with data references resolved once the op section's size is known.
struct BlobWords {
    enum Operand {
        case word(UInt32)
        case data(Int)   // byte offset inside the data section
    }

    var words: [UInt32] = []
    var data: [UInt8] = []

    mutating func append<T: FixedWidthInteger>(_ values: [T]) -> Operand {
        let at = data.count
        for v in values {
            withUnsafeBytes(of: v.littleEndian) { data += $0 }
        }
        while data.count % 4 != 0 { data.append(0) }
        return .data(at)
    }

    static func i(_ v: Int32) -> Operand { .word(UInt32(bitPattern: v)) }
    static func u(_ v: Int) -> Operand { .word(UInt32(v)) }

    mutating func record(_ op: Int8Model.Op) -> [Operand] {
        let code: OpCode
        var o: [Operand]
        switch op {
        case .inputLookup(let i, let out, let table):
            code = .inputLookup
            o = [Self.u(i), Self.u(out), append(table)]
        case .conv(let i, let out, let g, let depthwise, let bounds, let weights, let bias, let folded, let m):
            code = .conv
            o = [Self.u(i), Self.u(out), Self.u(g.kernelH), Self.u(g.kernelW), Self.u(g.strideH), Self.u(g.strideW),
                 Self.u(g.padH), Self.u(g.padW), Self.u(g.dilationH), Self.u(g.dilationW), Self.u(depthwise ? 1 : 0),
                 Self.i(bounds.0), Self.i(bounds.1), append(weights), append(bias),
                 depthwise ? .word(0) : append(folded), append(m.map(\.mantissa)), append(m.map(\.shift))]
        case .add(let a, let b, let out, let leftShift, let m1, let m2, let mo, let bounds):
            code = .add
            o = [Self.u(a), Self.u(b), Self.u(out), Self.i(leftShift), Self.i(m1.mantissa), Self.i(m1.shift),
                 Self.i(m2.mantissa), Self.i(m2.shift), Self.i(mo.mantissa), Self.i(mo.shift), Self.i(bounds.0), Self.i(bounds.1)]
        case .concat(let xs, let out):
            code = .concat
            o = [Self.u(out), Self.u(xs.count)] + xs.map(Self.u)
        case .pool(let i, let out, let maximum, let g):
            code = maximum ? .maxPool : .averagePool
            o = [Self.u(i), Self.u(out), Self.u(g.kernelH), Self.u(g.kernelW), Self.u(g.strideH), Self.u(g.strideW),
                 Self.u(g.padH), Self.u(g.padW)]
        case .globalPool(let i, let out, let maximum):
            code = maximum ? .globalMaxPool : .globalAveragePool
            o = [Self.u(i), Self.u(out)]
        case .resize(let i, let out):
            code = .resizeBilinear
            o = [Self.u(i), Self.u(out)]
        case .argMax(let i, let out):
            code = .argMax
            o = [Self.u(i), Self.u(out)]
        }
        return [.word(code.rawValue), .word(UInt32(o.count + 2))] + o
    }
}
