// The int8 model blob, version 1: what the host quantizer writes and the runtime reads in
// place (from flash on the microcontroller). Everything is little-endian 32-bit words; int8
// arrays are padded to 4 bytes.
//
//   header (12 words)
//     0 magic "HRDQ"    1 version (1)      2 total bytes     3 CRC-32 of bytes [16, total)
//     4 tensor count    5 op count         6 input tensor    7 output tensor
//     8 byte offset of the op section      9..11 reserved (0)
//   tensor table: tensor count x 8 words
//     height, width, channels, element type (0 int8, 1 uint8), zero point (int32),
//     scale (float32 bits; the host's dequantization only, never read by kernels), 2 reserved
//   op section: op count records, each [opcode, word count incl. these two, operands...];
//     the operands of each op are declared once, as a record struct in BlobRecords.swift
//     (`OpRecord` and its cases, each with its word layout), which both the validator
//     and the host writer use
//   data section: weights, biases, multipliers, lookup tables, referenced by byte offset
//     (ConvRecord's comments give the weight layouts)
//
// Activations are NHWC (batch 1).

public enum BlobFormat {
    public static let magic: UInt32 = 0x5144_5248  // "HRDQ" read little-endian
    public static let version: UInt32 = 1
    public static let headerWords = 12
    public static let tensorWords = 8
    /// The CRC covers everything after the first four header words.
    public static let checksummedFrom = 16
}

/// Element types of activation tensors.
public enum ElementType: UInt32 {
    case int8 = 0
    case uint8 = 1
}

/// The operations of the runtime; their operand words are `OpRecord`'s (BlobRecords.swift).
public enum OpCode: UInt32 {
    /// `ConvRecord`: dense or depthwise convolution, requantized per output channel.
    case conv = 1
    /// `AddRecord`.
    case add = 2
    /// `ConcatRecord`.
    case concat = 3
    /// `PoolRecord` (padding counts as 0.0).
    case averagePool = 4
    /// `PoolRecord`.
    case maxPool = 5
    /// `UnaryRecord`.
    case globalAveragePool = 6
    /// `UnaryRecord`.
    case globalMaxPool = 7
    /// `UnaryRecord` (bilinear, half-pixel centres, 10-bit fixed-point coordinates).
    case resizeBilinear = 8
    /// `UnaryRecord` (uint8 class index per pixel; the first maximum wins).
    case argMax = 9
    /// `InputLookupRecord`.
    case inputLookup = 10
}

/// Why the runtime refuses a blob or an invocation. Never executes a blob it refused.
public enum MicroError: UInt8, Error {
    case tooSmall = 1
    case badMagic = 2
    case unsupportedVersion = 3
    case sizeMismatch = 4
    case checksumMismatch = 5
    case malformedTensor = 6
    case malformedOp = 7
    case unknownOp = 8
    case shapeMismatch = 9
    case arenaTooSmall = 10
    case misaligned = 11

    /// A short English name, for hosts and firmware logs.
    public var name: StaticString {
        switch self {
        case .tooSmall: return "blob too small"
        case .badMagic: return "bad magic (not a HARD int8 blob)"
        case .unsupportedVersion: return "unsupported blob version"
        case .sizeMismatch: return "size field does not match the blob"
        case .checksumMismatch: return "checksum mismatch (damaged blob)"
        case .malformedTensor: return "malformed tensor table"
        case .malformedOp: return "malformed op record"
        case .unknownOp: return "unknown op code"
        case .shapeMismatch: return "op shapes do not agree"
        case .arenaTooSmall: return "arena too small"
        case .misaligned: return "blob not 4-byte aligned"
        }
    }
}

/// CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320), bit by bit: no table in RAM.
public func crc32(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for b in bytes {
        crc ^= UInt32(b)
        for _ in 0..<8 { crc = (crc >> 1) ^ (0xEDB8_8320 & (0 &- (crc & 1))) }
    }
    return ~crc
}

/// FNV-1a, 32 bit: the checksum of class maps and logits that the firmware prints and the
/// host compares (cheap on the microcontroller: one xor and one multiply per byte).
public func fnv1a32(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
    var h: UInt32 = 0x811C_9DC5
    for b in bytes { h = (h ^ UInt32(b)) &* 0x0100_0193 }
    return h
}
