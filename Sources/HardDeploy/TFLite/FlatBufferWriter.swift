// A small FlatBuffers writer: enough of the binary format for a TFLite model (tables,
// vectors of scalars, of tables and of strings, strings, unions as a type byte plus a table),
// without flatc or a FlatBuffers package.
//
// The format (FlatBuffers "Internals"): little-endian; byte 0 holds the uoffset of the root
// table, bytes 4..7 an optional file identifier. A table starts with an int32 soffset to its
// vtable (vtable = table - soffset); the vtable is [uint16 vtable bytes, uint16 table bytes,
// uint16 offset of each field slot from the table start, 0 = absent, so the default]. A
// uoffset (to a table, vector or string) is unsigned and relative to where it is stored, so
// what it refers to lies after it. A vector is a uint32 count, then its elements; a string a
// uint32 byte count, the bytes, a NUL. Scalars are aligned to their size; a vector's elements
// to theirs (its count sits just before them).
//
// This writer lays the buffer out front to back: a table's vtable, then the table, then what
// its offset fields refer to, each offset patched once its target is placed. Values are
// described first (`FlatTable`, `FlatVector`) and serialised in one pass by `FlatBuffer.write`.

/// A value an offset field (or a vector of offsets) refers to.
indirect enum FlatObject {
    case table(FlatTable)
    case vector(FlatVector)
    case string(String)
}

/// One scalar field of a table, or an offset to an object.
enum FlatField {
    case uint8(UInt8)
    case int8(Int8)
    case bool(Bool)
    case int32(Int32)
    case uint32(UInt32)
    case float32(Float)
    case offset(FlatObject)

    var size: Int {
        switch self {
        case .uint8, .int8, .bool: return 1
        case .int32, .uint32, .float32, .offset: return 4
        }
    }
}

/// A table: fields by vtable slot (the schema's field order, deprecated fields included).
struct FlatTable {
    var fields: [Int: FlatField] = [:]

    init(_ fields: [Int: FlatField] = [:]) { self.fields = fields }

    subscript(slot: Int) -> FlatField? {
        get { fields[slot] }
        set { fields[slot] = newValue }
    }
}

/// A vector: of little-endian scalars (with the element size and alignment), or of offsets.
enum FlatVector {
    /// `bytes` holds count x elementSize little-endian bytes; `alignment` >= elementSize
    /// (TFLite's Buffer.data is force_align 16).
    case scalars(bytes: [UInt8], elementSize: Int, alignment: Int)
    case objects([FlatObject])

    static func int32(_ v: [Int32]) -> FlatVector { .scalars(bytes: littleEndianBytes(v), elementSize: 4, alignment: 4) }
    static func int64(_ v: [Int64]) -> FlatVector { .scalars(bytes: littleEndianBytes(v), elementSize: 8, alignment: 8) }
    static func float32(_ v: [Float]) -> FlatVector {
        .scalars(bytes: littleEndianBytes(v.map(\.bitPattern)), elementSize: 4, alignment: 4)
    }
    static func bytes(_ v: [UInt8], alignment: Int = 1) -> FlatVector { .scalars(bytes: v, elementSize: 1, alignment: alignment) }
}

func littleEndianBytes<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(values.count * MemoryLayout<T>.size)
    for v in values { withUnsafeBytes(of: v.littleEndian) { out += $0 } }
    return out
}

enum FlatBuffer {
    /// The buffer with `root` as its root table and a 4-character file identifier.
    static func write(root: FlatTable, identifier: String) -> [UInt8] {
        precondition(identifier.utf8.count == 4, "a file identifier has 4 bytes")
        var w = FlatBufferLayout()
        w.bytes = [UInt8](repeating: 0, count: 4) + Array(identifier.utf8)
        let rootAt = w.place(.table(root))
        w.patch(offsetAt: 0, to: rootAt)
        return w.bytes
    }
}

/// The buffer being laid out, front to back.
private struct FlatBufferLayout {
    var bytes: [UInt8] = []

    mutating func pad(toMultipleOf alignment: Int, after extra: Int = 0) {
        while (bytes.count + extra) % alignment != 0 { bytes.append(0) }
    }

    mutating func append<T: FixedWidthInteger>(_ v: T) {
        withUnsafeBytes(of: v.littleEndian) { bytes += $0 }
    }

    /// Writes at `at` the uoffset from `at` to `target` (which lies after it).
    mutating func patch(offsetAt at: Int, to target: Int) {
        precondition(target > at, "a uoffset points forward")
        let v = UInt32(target - at)
        for k in 0..<4 { bytes[at + k] = UInt8(truncatingIfNeeded: v >> (8 * UInt32(k))) }
    }

    /// Places `object` (and everything it refers to) at the end; returns where it starts
    /// (for a vector or string, its count word).
    mutating func place(_ object: FlatObject) -> Int {
        switch object {
        case .string(let s):
            pad(toMultipleOf: 4)
            let at = bytes.count
            append(UInt32(s.utf8.count))
            bytes += Array(s.utf8)
            bytes.append(0)
            return at
        case .vector(.scalars(let data, let size, let alignment)):
            precondition(data.count % size == 0)
            pad(toMultipleOf: max(4, alignment), after: 4)
            let at = bytes.count
            append(UInt32(data.count / size))
            bytes += data
            return at
        case .vector(.objects(let objects)):
            pad(toMultipleOf: 4)
            let at = bytes.count
            append(UInt32(objects.count))
            let slots = bytes.count
            bytes += [UInt8](repeating: 0, count: 4 * objects.count)
            for (i, o) in objects.enumerated() {
                let target = place(o)
                patch(offsetAt: slots + 4 * i, to: target)
            }
            return at
        case .table(let table):
            return placeTable(table)
        }
    }

    private mutating func placeTable(_ table: FlatTable) -> Int {
        // Table body: the soffset, then fields largest first (each aligned to its size).
        let slots = (table.fields.keys.max() ?? -1) + 1
        let ordered = table.fields.sorted { a, b in a.value.size != b.value.size ? a.value.size > b.value.size : a.key < b.key }
        var fieldOffset = [Int](repeating: 0, count: slots)
        var size = 4
        for (slot, field) in ordered {
            while size % field.size != 0 { size += 1 }
            fieldOffset[slot] = size
            size += field.size
        }
        while size % 4 != 0 { size += 1 }
        // The vtable right before the table, the table 4-aligned.
        let vtableBytes = 4 + 2 * slots
        pad(toMultipleOf: 4, after: vtableBytes)
        let vtable = bytes.count
        append(UInt16(vtableBytes))
        append(UInt16(size))
        for o in fieldOffset { append(UInt16(o)) }
        let at = bytes.count
        precondition(at % 4 == 0)
        bytes += [UInt8](repeating: 0, count: size)
        func put<T: FixedWidthInteger>(_ v: T, _ offset: Int) {
            withUnsafeBytes(of: v.littleEndian) { for (k, b) in $0.enumerated() { bytes[at + offset + k] = b } }
        }
        put(Int32(at - vtable), 0)
        var children: [(Int, FlatObject)] = []
        for (slot, field) in ordered {
            let o = fieldOffset[slot]
            switch field {
            case .uint8(let v): put(v, o)
            case .int8(let v): put(v, o)
            case .bool(let v): put(UInt8(v ? 1 : 0), o)
            case .int32(let v): put(v, o)
            case .uint32(let v): put(v, o)
            case .float32(let v): put(v.bitPattern, o)
            case .offset(let child): children.append((at + o, child))
            }
        }
        for (field, child) in children.sorted(by: { $0.0 < $1.0 }) {
            let target = place(child)
            patch(offsetAt: field, to: target)
        }
        return at
    }
}
