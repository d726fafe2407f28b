// The op records of the blob (BlobFormat.swift has the framing around them), declared once.
// Each record lists its operand words in order in one function, `fields`, through a
// `RecordCoder`: the validator reads a record with `RecordReader` and the host quantizer
// writes it with `RecordWriter`, so reader and writer cannot disagree about the layout.
// `MicroModel` decodes every record once, at load; the interpreter, the arena planner and
// the checks work on the named fields, never on word positions.

/// Visits the operand words of one record, in order, reading them into the fields or
/// writing the fields out.
public protocol RecordCoder {
    /// An unsigned word (tensor ids, sizes, byte offsets), as an Int saturated at 2^31 - 1:
    /// the same value on 32-bit targets (where Int(UInt32) of a large word would trap) and
    /// on the host.
    mutating func unsigned(_ value: inout Int) throws(MicroError)
    /// A signed 32-bit word (zero points, shifts, mantissas, clamp bounds).
    mutating func signed(_ value: inout Int32) throws(MicroError)
    /// A count word, then that many unsigned words: the rest of the record.
    mutating func list(_ values: inout [Int]) throws(MicroError)
}

extension RecordCoder {
    /// One word, 0 or 1.
    @inline(__always)
    mutating func flag(_ value: inout Bool) throws(MicroError) {
        var w = value ? 1 : 0
        try unsigned(&w)
        guard w <= 1 else { throw .malformedOp }
        value = w == 1
    }

    /// kernelH, kernelW, strideH, strideW, padH, padW, then dilationH, dilationW if `dilation`.
    @inline(__always)
    mutating func geometry(_ g: inout ConvGeometry, dilation: Bool) throws(MicroError) {
        try unsigned(&g.kernelH); try unsigned(&g.kernelW)
        try unsigned(&g.strideH); try unsigned(&g.strideW)
        try unsigned(&g.padH); try unsigned(&g.padW)
        if dilation { try unsigned(&g.dilationH); try unsigned(&g.dilationW) }
    }

    /// mantissa, shift.
    @inline(__always)
    mutating func multiplier(_ m: inout QuantizedMultiplier) throws(MicroError) {
        try signed(&m.mantissa); try signed(&m.shift)
    }
}

/// Reads the operand words of one record in place (little-endian); refuses a record that is
/// too short for its fields, or longer (`finish`).
public struct RecordReader: RecordCoder {
    let words: UnsafeRawPointer
    let count: Int
    var at = 0

    /// The `count` operand words at `words` (4-byte aligned).
    public init(words: UnsafeRawPointer, count: Int) {
        self.words = words
        self.count = count
    }

    @inline(__always)
    mutating func next() throws(MicroError) -> UInt32 {
        guard at < count else { throw .malformedOp }
        at += 1
        return UInt32(littleEndian: words.load(fromByteOffset: 4 * (at - 1), as: UInt32.self))
    }

    public mutating func unsigned(_ value: inout Int) throws(MicroError) {
        let w = try next()
        value = w > 0x7FFF_FFFF ? 0x7FFF_FFFF : Int(w)
    }

    public mutating func signed(_ value: inout Int32) throws(MicroError) {
        value = Int32(bitPattern: try next())
    }

    public mutating func list(_ values: inout [Int]) throws(MicroError) {
        var n = 0
        try unsigned(&n)
        // Checked before allocating: the count must be exactly the words left.
        guard n == count - at else { throw .malformedOp }
        values = []
        values.reserveCapacity(n)
        for _ in 0..<n {
            var v = 0
            try unsigned(&v)
            values.append(v)
        }
    }

    /// Every word was read.
    public func finish() throws(MicroError) {
        guard at == count else { throw .malformedOp }
    }
}

/// Writes records as native 32-bit words (the host stores them little-endian).
public struct RecordWriter: RecordCoder {
    public var words: [UInt32]

    public init(words: [UInt32] = []) { self.words = words }

    public mutating func unsigned(_ value: inout Int) throws(MicroError) { words.append(UInt32(value)) }
    public mutating func signed(_ value: inout Int32) throws(MicroError) { words.append(UInt32(bitPattern: value)) }
    public mutating func list(_ values: inout [Int]) throws(MicroError) {
        words.append(UInt32(values.count))
        for v in values { words.append(UInt32(v)) }
    }
}

/// A record's operand words, declared once in `fields`.
public protocol BlobRecord: Equatable {
    /// A record of zeros that `decode` reads into.
    static var empty: Self { get }
    /// Reads or writes the operand words, in blob order.
    mutating func fields<C: RecordCoder>(_ c: inout C) throws(MicroError)
}

extension BlobRecord {
    /// The record from its operand words (the reader must then be `finish`ed).
    public static func decode(_ reader: inout RecordReader) throws(MicroError) -> Self {
        var r = Self.empty
        try r.fields(&reader)
        return r
    }

    /// Appends the operand words.
    public func encode(into writer: inout RecordWriter) {
        var r = self
        try! r.fields(&writer)   // writing never throws
    }
}

/// `OpCode.conv`. Operand words: input, output, kernelH, kernelW, strideH, strideW, padH,
/// padW, dilationH, dilationW, depthwise (0/1), activation min, activation max, then byte
/// offsets of weights, bias, folded bias, multiplier mantissas, multiplier shifts.
public struct ConvRecord: BlobRecord {
    public var input: Int, output: Int
    public var geometry: ConvGeometry
    public var depthwise: Bool
    public var activationMin: Int32, activationMax: Int32
    /// int8, dense [Cout][row] with row = kh * kw * Cin ([kh][kw][Cin]) rounded up to 4 bytes,
    /// zero padded; depthwise [kh][kw][C]; both symmetric per output channel (zero point 0).
    public var weights: Int
    /// int32 x Cout, TFLite's bias (what the depthwise kernel adds).
    public var bias: Int
    /// int32 x Cout, bias - inputZeroPoint * sum(weights): dense only, else 0.
    public var foldedBias: Int
    /// int32 x Cout each.
    public var mantissas: Int, shifts: Int

    public init(input: Int, output: Int, geometry: ConvGeometry, depthwise: Bool, activationMin: Int32,
                activationMax: Int32, weights: Int, bias: Int, foldedBias: Int, mantissas: Int, shifts: Int) {
        self.input = input; self.output = output; self.geometry = geometry; self.depthwise = depthwise
        self.activationMin = activationMin; self.activationMax = activationMax
        self.weights = weights; self.bias = bias; self.foldedBias = foldedBias
        self.mantissas = mantissas; self.shifts = shifts
    }

    public static var empty: ConvRecord {
        ConvRecord(input: 0, output: 0, geometry: ConvGeometry(kernelH: 0, kernelW: 0), depthwise: false,
                   activationMin: 0, activationMax: 0, weights: 0, bias: 0, foldedBias: 0, mantissas: 0, shifts: 0)
    }

    public mutating func fields<C: RecordCoder>(_ c: inout C) throws(MicroError) {
        try c.unsigned(&input); try c.unsigned(&output)
        try c.geometry(&geometry, dilation: true)
        try c.flag(&depthwise)
        try c.signed(&activationMin); try c.signed(&activationMax)
        try c.unsigned(&weights); try c.unsigned(&bias); try c.unsigned(&foldedBias)
        try c.unsigned(&mantissas); try c.unsigned(&shifts)
    }
}

/// `OpCode.add`. Operand words: input1, input2, output, left shift, input1 mantissa, input1
/// shift, input2 mantissa, input2 shift, output mantissa, output shift, activation min,
/// activation max (TFLite's quantized add).
public struct AddRecord: BlobRecord {
    public var input1: Int, input2: Int, output: Int
    public var leftShift: Int32
    public var input1Multiplier: QuantizedMultiplier, input2Multiplier: QuantizedMultiplier
    public var outputMultiplier: QuantizedMultiplier
    public var activationMin: Int32, activationMax: Int32

    public init(input1: Int, input2: Int, output: Int, leftShift: Int32, input1Multiplier: QuantizedMultiplier,
                input2Multiplier: QuantizedMultiplier, outputMultiplier: QuantizedMultiplier,
                activationMin: Int32, activationMax: Int32) {
        self.input1 = input1; self.input2 = input2; self.output = output; self.leftShift = leftShift
        self.input1Multiplier = input1Multiplier; self.input2Multiplier = input2Multiplier
        self.outputMultiplier = outputMultiplier
        self.activationMin = activationMin; self.activationMax = activationMax
    }

    public static var empty: AddRecord {
        let m = QuantizedMultiplier(mantissa: 0, shift: 0)
        return AddRecord(input1: 0, input2: 0, output: 0, leftShift: 0, input1Multiplier: m, input2Multiplier: m,
                         outputMultiplier: m, activationMin: 0, activationMax: 0)
    }

    public mutating func fields<C: RecordCoder>(_ c: inout C) throws(MicroError) {
        try c.unsigned(&input1); try c.unsigned(&input2); try c.unsigned(&output)
        try c.signed(&leftShift)
        try c.multiplier(&input1Multiplier); try c.multiplier(&input2Multiplier); try c.multiplier(&outputMultiplier)
        try c.signed(&activationMin); try c.signed(&activationMax)
    }
}

/// `OpCode.concat` along channels. Operand words: output, input count, inputs... (all
/// with the output's scale and zero point).
public struct ConcatRecord: BlobRecord {
    public var inputs: [Int]
    public var output: Int

    public init(inputs: [Int], output: Int) { self.inputs = inputs; self.output = output }

    public static var empty: ConcatRecord { ConcatRecord(inputs: [], output: 0) }

    public mutating func fields<C: RecordCoder>(_ c: inout C) throws(MicroError) {
        try c.unsigned(&output)
        try c.list(&inputs)
    }
}

/// `OpCode.averagePool` (padding counts as 0.0) and `OpCode.maxPool`. Operand words: input,
/// output, kernelH, kernelW, strideH, strideW, padH, padW.
public struct PoolRecord: BlobRecord {
    public var input: Int, output: Int
    /// No dilation (always 1).
    public var geometry: ConvGeometry

    public init(input: Int, output: Int, geometry: ConvGeometry) {
        self.input = input; self.output = output; self.geometry = geometry
    }

    public static var empty: PoolRecord { PoolRecord(input: 0, output: 0, geometry: ConvGeometry(kernelH: 0, kernelW: 0)) }

    public mutating func fields<C: RecordCoder>(_ c: inout C) throws(MicroError) {
        try c.unsigned(&input); try c.unsigned(&output)
        try c.geometry(&geometry, dilation: false)
    }
}

/// `OpCode.globalAveragePool`, `.globalMaxPool`, `.resizeBilinear` (half-pixel centres,
/// 10-bit fixed-point coordinates, to the output's size) and `.argMax` (uint8 class index per
/// pixel; the first maximum wins). Operand words: input, output.
public struct UnaryRecord: BlobRecord {
    public var input: Int, output: Int

    public init(input: Int, output: Int) { self.input = input; self.output = output }

    public static var empty: UnaryRecord { UnaryRecord(input: 0, output: 0) }

    public mutating func fields<C: RecordCoder>(_ c: inout C) throws(MicroError) {
        try c.unsigned(&input); try c.unsigned(&output)
    }
}

/// `OpCode.inputLookup`. Operand words: input (uint8 RGB), output (int8), byte offset of the
/// lookup table (3 x 256 int8: normalisation and quantization of each channel's 0...255 value).
public struct InputLookupRecord: BlobRecord {
    public var input: Int, output: Int
    public var table: Int

    public init(input: Int, output: Int, table: Int) { self.input = input; self.output = output; self.table = table }

    public static var empty: InputLookupRecord { InputLookupRecord(input: 0, output: 0, table: 0) }

    public mutating func fields<C: RecordCoder>(_ c: inout C) throws(MicroError) {
        try c.unsigned(&input); try c.unsigned(&output)
        try c.unsigned(&table)
    }
}

/// One op record: [opcode, word count including these two, operand words...], the operands
/// as the case's record declares them.
public enum OpRecord: Equatable {
    case conv(ConvRecord)
    case add(AddRecord)
    case concat(ConcatRecord)
    case averagePool(PoolRecord)
    case maxPool(PoolRecord)
    case globalAveragePool(UnaryRecord)
    case globalMaxPool(UnaryRecord)
    case resizeBilinear(UnaryRecord)
    case argMax(UnaryRecord)
    case inputLookup(InputLookupRecord)

    public var code: OpCode {
        switch self {
        case .conv: return .conv
        case .add: return .add
        case .concat: return .concat
        case .averagePool: return .averagePool
        case .maxPool: return .maxPool
        case .globalAveragePool: return .globalAveragePool
        case .globalMaxPool: return .globalMaxPool
        case .resizeBilinear: return .resizeBilinear
        case .argMax: return .argMax
        case .inputLookup: return .inputLookup
        }
    }

    /// The tensors the op reads, and the one it writes.
    public var tensors: (inputs: [Int], output: Int) {
        switch self {
        case .conv(let r): return ([r.input], r.output)
        case .add(let r): return ([r.input1, r.input2], r.output)
        case .concat(let r): return (r.inputs, r.output)
        case .averagePool(let r), .maxPool(let r): return ([r.input], r.output)
        case .globalAveragePool(let r), .globalMaxPool(let r), .resizeBilinear(let r), .argMax(let r):
            return ([r.input], r.output)
        case .inputLookup(let r): return ([r.input], r.output)
        }
    }

    /// The record of `wordCount` words (at least 2, 4-byte aligned) at `words`. An unknown
    /// opcode is `.unknownOp`; too few or too many operand words, or a flag other than 0/1,
    /// `.malformedOp`. Values are checked against the tensors by `MicroModel`.
    public static func decode(words: UnsafeRawPointer, wordCount: Int) throws(MicroError) -> OpRecord {
        guard let code = OpCode(rawValue: UInt32(littleEndian: words.load(as: UInt32.self))) else { throw .unknownOp }
        var r = RecordReader(words: words + 8, count: wordCount - 2)
        let record: OpRecord
        switch code {
        case .conv: record = .conv(try .decode(&r))
        case .add: record = .add(try .decode(&r))
        case .concat: record = .concat(try .decode(&r))
        case .averagePool: record = .averagePool(try .decode(&r))
        case .maxPool: record = .maxPool(try .decode(&r))
        case .globalAveragePool: record = .globalAveragePool(try .decode(&r))
        case .globalMaxPool: record = .globalMaxPool(try .decode(&r))
        case .resizeBilinear: record = .resizeBilinear(try .decode(&r))
        case .argMax: record = .argMax(try .decode(&r))
        case .inputLookup: record = .inputLookup(try .decode(&r))
        }
        try r.finish()
        return record
    }

    /// Appends the whole record: opcode, word count, operands.
    public func encode(into writer: inout RecordWriter) {
        let start = writer.words.count
        writer.words += [code.rawValue, 0]
        switch self {
        case .conv(let r): r.encode(into: &writer)
        case .add(let r): r.encode(into: &writer)
        case .concat(let r): r.encode(into: &writer)
        case .averagePool(let r), .maxPool(let r): r.encode(into: &writer)
        case .globalAveragePool(let r), .globalMaxPool(let r), .resizeBilinear(let r), .argMax(let r):
            r.encode(into: &writer)
        case .inputLookup(let r): r.encode(into: &writer)
        }
        writer.words[start + 1] = UInt32(writer.words.count - start)
    }
}
