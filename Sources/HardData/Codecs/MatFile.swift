import CZlib

/// A damaged or unsupported MATLAB file, naming it and the problem.
public struct MatFileError: Error, CustomStringConvertible, Equatable {
    public let file: String
    public let problem: String
    public var description: String { "\(file): \(problem)" }
}

/// The one thing read from MATLAB files: a named 2-D numeric matrix of small integers, as
/// COCO-Stuff-10k ships its annotations (`S`, uint16 H x W of raw class ids, in
/// `annotations/<name>.mat`, MATLAB v5/v7 format, usually compressed).
///
/// Level-5 MAT format (MathWorks' "MAT-File Format" document): a 128-byte header (text,
/// subsystem offset, version 0x0100, endian indicator "IM" for little-endian), then data
/// elements, each an 8-byte tag (type, byte count; or a 4-byte "small element" tag with the
/// count in the upper 16 bits and up to 4 bytes of data) padded to 8 bytes. A variable is an
/// miMATRIX element (possibly inside an miCOMPRESSED one: zlib) holding array flags (the
/// class), dimensions, the name and the real part, stored column-major in the smallest type
/// that holds its values (MATLAB may write a uint16 matrix as miUINT8). v7.3 files are HDF5
/// and are refused with a message saying so; so are big-endian files.
public enum MatFile {
    /// Values of the matrix named `name`, row-major (height x width), each in 0...255 (larger
    /// values are errors: no label map needs them).
    public static func readLabelMatrix(_ bytes: [UInt8], variable name: String, file: String) throws -> (height: Int, width: Int, values: [UInt8]) {
        func fail(_ problem: String) -> MatFileError { MatFileError(file: file, problem: problem) }
        guard bytes.count >= 128 else { throw fail("is \(bytes.count) bytes, shorter than a MAT file's 128-byte header") }
        if bytes.count >= 520, Array(bytes[512..<520]) == [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A] {
            throw fail("is a MATLAB v7.3 (HDF5) file; save it with -v7 (or convert to *_labelTrainIds.png)")
        }
        guard bytes[126] == UInt8(ascii: "I"), bytes[127] == UInt8(ascii: "M") else {
            if bytes[126] == UInt8(ascii: "M"), bytes[127] == UInt8(ascii: "I") { throw fail("is a big-endian MAT file, which is not supported") }
            throw fail("is not a MATLAB level-5 MAT file (no endian indicator at byte 126)")
        }
        var offset = 128
        while offset < bytes.count {
            let element = try Element.read(bytes, at: offset, file: file)
            offset = element.next
            switch element.type {
            case Element.matrix:
                if let found = try matrix(Array(bytes[element.data]), wanted: name, file: file) { return found }
            case Element.compressed:
                let inflated = try inflate(Array(bytes[element.data]), file: file)
                let inner = try Element.read(inflated, at: 0, file: file)
                if inner.type == Element.matrix, let found = try matrix(Array(inflated[inner.data]), wanted: name, file: file) { return found }
            default:
                continue
            }
        }
        throw fail("has no variable '\(name)'")
    }

    /// The most bytes one decompressed variable may take: a 16384 x 16384 label map of
    /// doubles; a larger claim is a damaged (or hostile) file, not an annotation.
    static let maxInflatedBytes = 16384 * 16384 * 8

    struct Element {
        static let int8: UInt32 = 1, uint8: UInt32 = 2, int16: UInt32 = 3, uint16: UInt32 = 4, int32: UInt32 = 5, uint32: UInt32 = 6
        static let single: UInt32 = 7, double: UInt32 = 9, int64: UInt32 = 12, uint64: UInt32 = 13
        static let matrix: UInt32 = 14, compressed: UInt32 = 15

        let type: UInt32
        let data: Range<Int>
        /// Where the next element starts (8-byte aligned, except after compressed data).
        let next: Int

        static func read(_ bytes: [UInt8], at offset: Int, file: String) throws -> Element {
            func fail(_ problem: String) -> MatFileError { MatFileError(file: file, problem: problem) }
            guard offset >= 0, offset <= bytes.count - 8 else { throw fail("a data element's tag runs past the end (byte \(offset))") }
            let word = u32(bytes, offset)
            if word >> 16 != 0 {
                // Small element: count in the upper half, up to 4 bytes of data in the tag.
                let count = Int(word >> 16)
                guard count <= 4 else { throw fail("a small data element claims \(count) bytes (at most 4)") }
                return Element(type: word & 0xFFFF, data: (offset + 4)..<(offset + 4 + count), next: offset + 8)
            }
            let count = Int(u32(bytes, offset + 4))
            let start = offset + 8
            guard count <= bytes.count - start else {
                throw fail("a data element claims \(count) bytes at byte \(offset), past the end of the file (\(bytes.count) bytes)")
            }
            // Compressed elements are not padded; the others are padded to 8 bytes.
            let padded = word == compressed ? count : (count + 7) / 8 * 8
            return Element(type: word, data: start..<(start + count), next: min(bytes.count, start + padded))
        }
    }

    static func u32(_ b: [UInt8], _ i: Int) -> UInt32 {
        UInt32(b[i]) | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2]) << 16 | UInt32(b[i + 3]) << 24
    }

    /// The subelements of an miMATRIX's data: flags, dimensions, name, real part. Returns the
    /// matrix when it is the wanted one, nil for another variable.
    static func matrix(_ body: [UInt8], wanted: String, file: String) throws -> (height: Int, width: Int, values: [UInt8])? {
        func fail(_ problem: String) -> MatFileError { MatFileError(file: file, problem: "variable '\(wanted)': \(problem)") }
        let flags = try Element.read(body, at: 0, file: file)
        guard flags.type == Element.uint32, flags.data.count == 8 else { throw MatFileError(file: file, problem: "a matrix without array flags") }
        let arrayClass = body[flags.data.lowerBound]   // the low byte of the first flags word
        let dims = try Element.read(body, at: flags.next, file: file)
        let nameElement = try Element.read(body, at: dims.next, file: file)
        let name = String(decoding: body[nameElement.data], as: UTF8.self)
        guard name == wanted else { return nil }
        guard dims.type == Element.int32, dims.data.count == 8 else {
            throw fail("is not a 2-D matrix (\(dims.data.count / 4) dimensions)")
        }
        let rows = Int(Int32(bitPattern: u32(body, dims.data.lowerBound))), columns = Int(Int32(bitPattern: u32(body, dims.data.lowerBound + 4)))
        guard rows > 0, columns > 0, rows <= 16384, columns <= 16384 else { throw fail("has dimensions \(rows) x \(columns)") }
        // mxDOUBLE 6, mxSINGLE 7, mxINT8 8, mxUINT8 9, mxINT16 10, mxUINT16 11, mxINT32 12, mxUINT32 13.
        guard (6...13).contains(arrayClass) else { throw fail("is not a numeric matrix (MATLAB class \(arrayClass))") }
        let real = try Element.read(body, at: nameElement.next, file: file)
        let count = rows * columns
        let width: Int
        switch real.type {
        case Element.int8, Element.uint8: width = 1
        case Element.int16, Element.uint16: width = 2
        case Element.int32, Element.uint32, Element.single: width = 4
        case Element.double, Element.int64, Element.uint64: width = 8
        default: throw fail("stores its values as MAT type \(real.type), not a number type")
        }
        guard real.data.count == count * width else {
            throw fail("holds \(real.data.count) bytes for \(rows) x \(columns) values of \(width) bytes")
        }
        var values = [UInt8](repeating: 0, count: count)
        let base = real.data.lowerBound
        for k in 0..<count {
            let p = base + k * width
            let v: Double
            switch real.type {
            case Element.int8: v = Double(Int8(bitPattern: body[p]))
            case Element.uint8: v = Double(body[p])
            case Element.int16: v = Double(Int16(bitPattern: UInt16(body[p]) | UInt16(body[p + 1]) << 8))
            case Element.uint16: v = Double(UInt16(body[p]) | UInt16(body[p + 1]) << 8)
            case Element.int32: v = Double(Int32(bitPattern: u32(body, p)))
            case Element.uint32: v = Double(u32(body, p))
            case Element.single: v = Double(Float(bitPattern: u32(body, p)))
            case Element.double: v = Double(bitPattern: UInt64(u32(body, p)) | UInt64(u32(body, p + 4)) << 32)
            case Element.int64: v = Double(Int64(bitPattern: UInt64(u32(body, p)) | UInt64(u32(body, p + 4)) << 32))
            default: v = Double(UInt64(u32(body, p)) | UInt64(u32(body, p + 4)) << 32)
            }
            guard v >= 0, v <= 255, v == v.rounded() else {
                throw fail("value \(v) at (row \(k % rows + 1), column \(k / rows + 1)) is not a label in 0...255")
            }
            // Column-major in the file, row-major here.
            values[(k % rows) * columns + k / rows] = UInt8(v)
        }
        return (rows, columns, values)
    }

    /// zlib-inflates one compressed element (its output bounded by `maxInflatedBytes`).
    static func inflate(_ input: [UInt8], file: String) throws -> [UInt8] {
        var stream = z_stream()
        guard inflateInit_(&stream, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw MatFileError(file: file, problem: "zlib could not start inflating")
        }
        defer { inflateEnd(&stream) }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        var input = input
        var status: Int32 = Z_OK
        try input.withUnsafeMutableBufferPointer { inp in
            stream.next_in = inp.baseAddress
            stream.avail_in = uInt(inp.count)
            while status != Z_STREAM_END {
                try chunk.withUnsafeMutableBufferPointer { out in
                    stream.next_out = out.baseAddress
                    stream.avail_out = uInt(out.count)
                    status = CZlib.inflate(&stream, Z_NO_FLUSH)
                    guard status == Z_OK || status == Z_STREAM_END else {
                        throw MatFileError(file: file, problem: "a compressed element is damaged (zlib status \(status))")
                    }
                    output.append(contentsOf: out[0..<(out.count - Int(stream.avail_out))])
                }
                if status == Z_OK && stream.avail_in == 0 && stream.avail_out != 0 {
                    throw MatFileError(file: file, problem: "a compressed element is cut short")
                }
                if output.count > maxInflatedBytes {
                    throw MatFileError(file: file, problem: "a compressed element inflates past \(maxInflatedBytes) bytes")
                }
            }
        }
        return output
    }
}
