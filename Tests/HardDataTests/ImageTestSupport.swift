import CTurboJPEG
import Foundation
import HardData
import XCTest

/// PNG files built byte by byte, independently of libpng, so the decoder is tested against
/// files it did not write: any bit depth and colour type, tRNS, Adam7, 16-bit, bad headers.
/// Image data is stored in uncompressed ("stored") deflate blocks with filter type 0.
enum CraftedPNG {
    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// A PNG of `samples` (row-major, `channels` interleaved samples per pixel, each sample
    /// 0..<2^bitDepth; 16-bit samples are given as 0...255 and stored as v * 257).
    static func png(width: Int, height: Int, bitDepth: Int, colorType: UInt8, samples: [Int],
                    palette: [RGBColor] = [], trns: [UInt8]? = nil, interlaced: Bool = false) -> [UInt8] {
        let channels = [0: 1, 2: 3, 3: 1, 4: 2, 6: 4][Int(colorType)]!
        precondition(samples.count == width * height * channels)
        var raw: [UInt8] = []
        let passes: [(x: Int, y: Int, dx: Int, dy: Int)] = interlaced
            ? [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
            : [(0, 0, 1, 1)]
        for pass in passes {
            let xs = Array(stride(from: pass.x, to: width, by: pass.dx))
            let ys = Array(stride(from: pass.y, to: height, by: pass.dy))
            if xs.isEmpty || ys.isEmpty { continue }   // empty passes are not stored at all
            for y in ys {
                raw.append(0) // filter: none
                var row: [Int] = []
                for x in xs { row += samples[((y * width + x) * channels)..<((y * width + x + 1) * channels)] }
                raw += pack(row, bitDepth: bitDepth)
            }
        }
        var ihdr = be32(UInt32(width)) + be32(UInt32(height))
        ihdr += [UInt8(bitDepth), colorType, 0, 0, interlaced ? 1 : 0]
        var file = signature + chunk("IHDR", ihdr)
        if !palette.isEmpty { file += chunk("PLTE", palette.flatMap { [$0.r, $0.g, $0.b] }) }
        if let trns { file += chunk("tRNS", trns) }
        file += chunk("IDAT", zlibStored(raw))
        file += chunk("IEND", [])
        return file
    }

    /// Recomputes every chunk's CRC, so damage reaches the decoder's deeper checks
    /// instead of stopping at the first CRC mismatch. Stops at a length that runs off the end.
    static func fixingCRCs(_ file: [UInt8]) -> [UInt8] {
        var bytes = file
        var offset = 8
        while offset + 12 <= bytes.count {
            let length = Int(bytes[offset]) << 24 | Int(bytes[offset + 1]) << 16 | Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
            let end = offset + 8 + length
            guard length >= 0, end + 4 <= bytes.count else { break }
            bytes.replaceSubrange(end..<(end + 4), with: be32(crc32(Array(bytes[(offset + 4)..<end]))))
            offset = end + 4
        }
        return bytes
    }

    static func pack(_ samples: [Int], bitDepth: Int) -> [UInt8] {
        switch bitDepth {
        case 8: return samples.map { UInt8($0) }
        case 16: return samples.flatMap { [UInt8($0), UInt8($0)] }   // v * 257, big-endian
        default:
            var out: [UInt8] = []
            var byte = 0, used = 0
            for s in samples {
                byte = byte << bitDepth | s
                used += bitDepth
                if used == 8 { out.append(UInt8(byte)); byte = 0; used = 0 }
            }
            if used > 0 { out.append(UInt8(byte << (8 - used))) }
            return out
        }
    }

    static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let body = Array(type.utf8) + data
        return be32(UInt32(data.count)) + body + be32(crc32(body))
    }

    static func be32(_ v: UInt32) -> [UInt8] {
        [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)]
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for b in bytes {
            crc ^= UInt32(b)
            for _ in 0..<8 { crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }

    /// zlib stream of stored (uncompressed) deflate blocks.
    static func zlibStored(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x78, 0x01]
        var offset = 0
        repeat {
            let n = min(65535, data.count - offset)
            let last: UInt8 = offset + n == data.count ? 1 : 0
            out += [last, UInt8(n & 0xFF), UInt8(n >> 8), UInt8(~n & 0xFF), UInt8((~n >> 8) & 0xFF)]
            out += data[offset..<(offset + n)]
            offset += n
        } while offset < data.count
        var a: UInt32 = 1, b: UInt32 = 0
        for byte in data { a = (a + UInt32(byte)) % 65521; b = (b + a) % 65521 }
        return out + be32(b << 16 | a)
    }
}

/// JPEG bytes made with TurboJPEG's compressor (RGB 4:4:4, or grayscale).
func encodeJPEG(_ pixels: [UInt8], width: Int, height: Int, gray: Bool = false, quality: Int32 = 95) -> [UInt8] {
    let handle = tjInitCompress()!
    defer { tjDestroy(handle) }
    var buffer: UnsafeMutablePointer<UInt8>?
    var size: UInt = 0
    let format = Int32(gray ? TJPF_GRAY.rawValue : TJPF_RGB.rawValue)
    let subsampling = Int32(gray ? TJSAMP_GRAY.rawValue : TJSAMP_444.rawValue)
    let status = pixels.withUnsafeBufferPointer {
        tjCompress2(handle, $0.baseAddress, Int32(width), 0, Int32(height), format, &buffer, &size, subsampling, quality, 0)
    }
    precondition(status == 0, "tjCompress2 failed")
    defer { tjFree(buffer) }
    return Array(UnsafeBufferPointer(start: buffer, count: Int(size)))
}

/// A small deterministic generator (SplitMix64) for damage tests.
struct SplitMix {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}

/// A fresh folder under the system temporary folder, removed by `remove()`.
struct ScratchFolder {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "hard-data-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func file(_ relative: String) -> String { path + "/" + relative }

    /// Creates the parent folders of `relative` and returns its full path.
    func prepare(_ relative: String) throws -> String {
        let full = file(relative)
        let parent = (full as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        return full
    }

    func write(_ bytes: [UInt8], _ relative: String) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: try prepare(relative)))
    }

    func write(_ text: String, _ relative: String) throws {
        try write(Array(text.utf8), relative)
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// A deterministic RGB test pattern: (H, W, 3).
func patternImage(width: Int, height: Int, seed: Int = 1) -> RGBImage {
    var state = UInt64(seed) &* 0x9E37_79B9_7F4A_7C15 | 1
    var pixels = [UInt8](repeating: 0, count: width * height * 3)
    for i in pixels.indices {
        state ^= state << 13; state ^= state >> 7; state ^= state << 17
        pixels[i] = UInt8(truncatingIfNeeded: state >> 32)
    }
    return RGBImage(width: width, height: height, pixels: pixels)
}

/// Runs `body`, expecting an error of type `E`, and returns it for inspection.
func expectError<E: Error>(_ type: E.Type, file: StaticString = #filePath, line: UInt = #line,
                           _ body: () throws -> Void) -> E? {
    do {
        try body()
        XCTFail("expected \(E.self), nothing was thrown", file: file, line: line)
    } catch let error as E {
        return error
    } catch {
        XCTFail("expected \(E.self), got \(error)", file: file, line: line)
    }
    return nil
}
