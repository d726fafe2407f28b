/// CRC-32C (Castagnoli), the checksum of TFRecord framing, and TFRecord's masked form.
///
/// Not zlib's CRC-32 (the IEEE polynomial of PNG and the int8 blob): TFRecord readers
/// check the Castagnoli polynomial, and a record with the other CRC is rejected as
/// corrupt. Reflected polynomial 0x82F63B78, initial value and final xor 0xFFFFFFFF
/// (RFC 3720 §B.4); the check value of "123456789" is 0xE3069283.
enum CRC32C {
    /// One byte at a time through a 256-entry table: the events file gets a few kilobytes
    /// per validation, far too little for a faster (sliced or SSE 4.2) variant to matter.
    static let table: [UInt32] = (0..<256).map { n in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? (c >> 1) ^ 0x82F6_3B78 : c >> 1 }
        return c
    }

    static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        table.withUnsafeBufferPointer { t in
            for b in bytes { crc = t[Int((crc ^ UInt32(b)) & 0xFF)] ^ (crc >> 8) }
        }
        return crc ^ 0xFFFF_FFFF
    }

    static func checksum(_ bytes: [UInt8]) -> UInt32 { bytes.withUnsafeBytes { checksum($0) } }

    /// TFRecord stores `masked(crc)`, rotated right by 15 bits plus a constant, because a
    /// CRC of bytes that themselves hold CRCs (a record of records) is otherwise weak.
    static func masked(_ crc: UInt32) -> UInt32 { ((crc >> 15) | (crc << 17)) &+ 0xA282_EAD8 }
}
