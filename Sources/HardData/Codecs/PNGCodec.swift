import CPNGShim

/// PNG through libpng's classic API. The libpng calls live in the C target `CPNGShim`,
/// where a setjmp catches libpng's error longjmp before it can cross a Swift frame; here
/// a failure is a return code and a message, which becomes an `ImageIOError`.
enum PNGCodec {
    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// IHDR colour types.
    enum ColorType: Int32 {
        case gray = 0, rgb = 2, palette = 3, grayAlpha = 4, rgba = 6

        var words: String {
            switch self {
            case .gray: "grayscale"
            case .rgb: "RGB"
            case .palette: "palette"
            case .grayAlpha: "grayscale+alpha"
            case .rgba: "RGBA"
            }
        }
    }

    /// What the header says, already checked against what we decode (8-bit or less, size limits).
    struct Header {
        let width: Int
        let height: Int
        let bitDepth: Int
        let colorType: ColorType
        let interlaced: Bool
        let paletteEntries: Int
    }

    static func isPNG(_ bytes: [UInt8]) -> Bool {
        bytes.count >= signature.count && Array(bytes[0..<signature.count]) == signature
    }

    /// Reads and checks the header: damaged headers, 16-bit samples and oversized images throw.
    static func header(_ bytes: [UInt8], name: String) throws -> Header {
        var info = hard_png_info()
        var message = messageBuffer()
        let status = bytes.withUnsafeBufferPointer { data in
            message.withUnsafeMutableBufferPointer { hard_png_read_info(data.baseAddress, data.count, &info, $0.baseAddress) }
        }
        if status != 0 { throw ImageIOError(file: name, problem: "damaged PNG: \(text(message))") }
        guard let type = ColorType(rawValue: info.color_type) else {
            throw ImageIOError(file: name, problem: "damaged PNG: unknown colour type \(info.color_type)")
        }
        if info.bit_depth > 8 {
            throw ImageIOError(file: name, problem: "16-bit PNG is not supported; convert to 8-bit")
        }
        let width = Int(info.width), height = Int(info.height)
        try ImageFile.checkSize(width: width, height: height, name: name)
        return Header(width: width, height: height, bitDepth: Int(info.bit_depth), colorType: type,
                      interlaced: info.interlaced != 0, paletteEntries: Int(info.palette_entries))
    }

    /// Any 8-bit-or-less PNG as RGB: palette looked up, gray replicated, alpha dropped.
    static func decodeRGB(_ bytes: [UInt8], header: Header, name: String) throws -> RGBImage {
        let pixels = try decode(bytes, header: header, channels: 3, name: name)
        return RGBImage(width: header.width, height: header.height, pixels: pixels)
    }

    /// A gray or palette PNG's samples exactly as stored (gray levels or palette indices,
    /// unscaled), one byte per pixel: (H, W).
    static func decodeSamples(_ bytes: [UInt8], header: Header, name: String) throws -> [UInt8] {
        precondition([.gray, .grayAlpha, .palette].contains(header.colorType),
                     "decodeSamples needs a gray or palette PNG, got \(header.colorType.words)")
        return try decode(bytes, header: header, channels: 1, name: name)
    }

    private static func decode(_ bytes: [UInt8], header: Header, channels: Int, name: String) throws -> [UInt8] {
        var message = messageBuffer()
        var status: Int32 = 0
        // Left uninitialized: a successful decode writes every row, and a truncated file whose
        // header claims a huge image then costs address space, not that much zeroed memory.
        let count = header.width * header.height * channels
        let out = [UInt8](unsafeUninitializedCapacity: count) { pixels, initialized in
            status = bytes.withUnsafeBufferPointer { data in
                message.withUnsafeMutableBufferPointer {
                    hard_png_decode(data.baseAddress, data.count, UInt32(header.width), UInt32(header.height),
                                    Int32(channels), pixels.baseAddress, count, $0.baseAddress)
                }
            }
            initialized = count
        }
        if status != 0 { throw ImageIOError(file: name, problem: "damaged PNG: \(text(message))") }
        return out
    }

    /// Encodes 8-bit samples: gray or palette (1 byte per pixel) or RGB (3), rows top to
    /// bottom. A palette holds 1...256 colours.
    static func encode(_ pixels: [UInt8], width: Int, height: Int, colorType: ColorType,
                       palette: [RGBColor] = [], name: String) throws -> [UInt8] {
        let channels = colorType == .rgb ? 3 : 1
        precondition([.gray, .rgb, .palette].contains(colorType) && pixels.count == width * height * channels,
                     "PNG encode: \(width)x\(height) \(colorType.words) needs \(width * height * channels) bytes, got \(pixels.count)")
        let flatPalette = palette.flatMap { [$0.r, $0.g, $0.b] }
        var message = messageBuffer()
        var buffer: UnsafeMutablePointer<UInt8>?
        var size = 0
        let status = pixels.withUnsafeBufferPointer { data in
            flatPalette.withUnsafeBufferPointer { colors in
                message.withUnsafeMutableBufferPointer {
                    hard_png_encode(data.baseAddress, UInt32(width), UInt32(height), colorType.rawValue,
                                    colors.baseAddress, Int32(palette.count), &buffer, &size, $0.baseAddress)
                }
            }
        }
        guard status == 0, let buffer else {
            throw ImageIOError(file: name, problem: "cannot encode PNG: \(text(message))")
        }
        defer { hard_png_free(buffer) }
        return Array(UnsafeBufferPointer(start: buffer, count: size))
    }

    private static func messageBuffer() -> [CChar] {
        [CChar](repeating: 0, count: Int(HARD_PNG_MESSAGE_SIZE))
    }

    private static func text(_ message: [CChar]) -> String {
        let bytes = message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return bytes.isEmpty ? "unknown libpng error" : String(decoding: bytes, as: UTF8.self)
    }
}
