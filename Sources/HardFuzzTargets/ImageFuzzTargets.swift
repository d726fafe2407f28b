import HardData
import HardMicro

/// PNG bytes to the image and label-map readers: as RGB, as raw samples (gray and palette
/// label maps) and through a colour table (RGB label maps). Bytes whose chunk CRCs do not
/// match are decoded twice, as given and with the CRCs recomputed: a mutated chunk would
/// otherwise stop at libpng's CRC check and never reach the deeper code.
public func fuzzPNG(_ bytes: UnsafeRawBufferPointer) {
    let file = [UInt8](bytes)
    decodeImage(file, name: "fuzz.png")
    let fixed = PNGChunks.fixingCRCs(file)
    if fixed != file { decodeImage(fixed, name: "fuzz.png") }
}

/// MAT-file bytes to the label-matrix reader (variable S, as COCO-Stuff's annotations).
public func fuzzMat(_ bytes: UnsafeRawBufferPointer) {
    if let m = try? MatFile.readLabelMatrix([UInt8](bytes), variable: "S", file: "fuzz.mat") {
        invariant(m.height > 0 && m.width > 0 && m.values.count == m.height * m.width, "matrix \(m.height)x\(m.width) with \(m.values.count) values")
    }
}

/// JPEG bytes to the image reader; label maps must refuse every JPEG.
public func fuzzJPEG(_ bytes: UnsafeRawBufferPointer) {
    decodeImage([UInt8](bytes), name: "fuzz.jpg")
}

/// Colours an RGB label map may use; anything else maps to 255 (ignore).
private let labelColors: [RGBColor: UInt8] = [RGBColor(0, 0, 0): 0, RGBColor(255, 255, 255): 1, RGBColor(128, 64, 128): 2]

private func decodeImage(_ file: [UInt8], name: String) {
    let isJPEG = file.count >= 3 && file[0] == 0xFF && file[1] == 0xD8 && file[2] == 0xFF
    if let image = try? ImageFile.decodeRGB(file, name: name) {
        invariant(image.width > 0 && image.height > 0 && image.pixels.count == image.width * image.height * 3,
                  "decodeRGB returned \(image.width)x\(image.height) with \(image.pixels.count) bytes")
    }
    if let labels = try? ImageFile.decodeLabels(file, name: name, colors: nil, unknownColorIsIgnore: false) {
        invariant(!isJPEG, "a JPEG was accepted as a label map")
        invariant(labels.values.count == labels.width * labels.height, "label map size")
    }
    if !isJPEG, let labels = try? ImageFile.decodeLabels(file, name: name, colors: labelColors, unknownColorIsIgnore: true) {
        invariant(labels.values.count == labels.width * labels.height, "label map size")
    }
}

/// The chunk structure of a PNG file, for the fuzz target's CRC repair.
enum PNGChunks {
    /// `file` with every complete chunk's CRC recomputed (PNG's CRC is the IEEE CRC-32 that
    /// HardMicro also uses); stops at the first chunk that runs past the end.
    static func fixingCRCs(_ file: [UInt8]) -> [UInt8] {
        guard file.count > 8 else { return file }
        var bytes = file
        var offset = 8
        while offset + 12 <= bytes.count {
            let length = Int(bytes[offset]) << 24 | Int(bytes[offset + 1]) << 16 | Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
            let end = offset + 8 + length   // type + data end here; the CRC follows
            guard end + 4 <= bytes.count else { break }
            let crc = bytes.withUnsafeBytes { crc32(UnsafeRawBufferPointer(rebasing: $0[(offset + 4)..<end])) }
            for k in 0..<4 { bytes[end + k] = UInt8(truncatingIfNeeded: crc >> (24 - 8 * UInt32(k))) }
            offset = end + 4
        }
        return bytes
    }
}
