/// What a file holds, told by its first bytes (never by its extension: a JPEG saved as
/// `.png` is common in scraped datasets and decodes fine).
enum ImageFormat {
    case png
    case jpeg

    /// Detects PNG or JPEG; anything else throws, naming the format when it is a common one.
    static func detect(_ bytes: [UInt8], name: String) throws -> ImageFormat {
        if bytes.isEmpty { throw ImageIOError(file: name, problem: "file is empty") }
        if PNGCodec.isPNG(bytes) { return .png }
        if JPEGCodec.isJPEG(bytes) { return .jpeg }
        let known = otherFormat(bytes).map { "a \($0) file; " } ?? ""
        let head = bytes.prefix(8).map { String($0, radix: 16, uppercase: true) }.map { $0.count < 2 ? "0" + $0 : $0 }
        throw ImageIOError(file: name, problem:
            "not a PNG or JPEG image (\(known)first bytes \(head.joined(separator: " ")))")
    }

    /// Formats people often feed by mistake, so the message can say what the file is.
    private static func otherFormat(_ b: [UInt8]) -> String? {
        func starts(_ prefix: [UInt8], at offset: Int = 0) -> Bool {
            b.count >= offset + prefix.count && Array(b[offset..<(offset + prefix.count)]) == prefix
        }
        if starts(Array("GIF8".utf8)) { return "GIF" }
        if starts(Array("BM".utf8)) { return "BMP" }
        if starts([0x49, 0x49, 0x2A, 0x00]) || starts([0x4D, 0x4D, 0x00, 0x2A]) { return "TIFF" }
        if starts(Array("RIFF".utf8)) && starts(Array("WEBP".utf8), at: 8) { return "WebP" }
        if starts(Array("ftyp".utf8), at: 4) { return "HEIF/AVIF or video" }
        if starts(Array("MATLAB".utf8)) { return "MATLAB .mat" }
        if starts([0x89, 0x50, 0x4E, 0x47]) { return "truncated PNG" }
        return nil
    }
}
