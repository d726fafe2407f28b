import CTurboJPEG

/// JPEG decoding through libjpeg-turbo's TurboJPEG API, which reports errors by return
/// code (no longjmp reaches Swift).
enum JPEGCodec {
    static func isJPEG(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 3 && bytes[0] == 0xFF && bytes[1] == 0xD8 && bytes[2] == 0xFF
    }

    /// Decodes to 8-bit RGB (grayscale JPEGs are replicated to three channels).
    ///
    /// libjpeg's *warnings* count as errors here: "Premature end of JPEG file" means a
    /// truncated download whose missing rows the decoder paints gray, and a resynchronised
    /// or short data segment means damaged blocks; a training set should not learn from those
    /// silently. The one exception is "extraneous bytes before marker": padding some
    /// encoders leave after complete image data, which changes no pixel.
    static func decode(_ bytes: [UInt8], name: String) throws -> RGBImage {
        guard let handle = tjInitDecompress() else {
            throw ImageIOError(file: name, problem: "cannot start the JPEG decoder: \(errorText(nil))")
        }
        defer { tjDestroy(handle) }
        var width: Int32 = 0, height: Int32 = 0, subsampling: Int32 = 0, colorspace: Int32 = 0
        let headerStatus = bytes.withUnsafeBufferPointer {
            tjDecompressHeader3(handle, $0.baseAddress, UInt($0.count), &width, &height, &subsampling, &colorspace)
        }
        if headerStatus != 0 { throw ImageIOError(file: name, problem: "damaged JPEG: \(errorText(handle))") }
        try ImageFile.checkSize(width: Int(width), height: Int(height), name: name)
        // LIMITSCANS: refuse progressive files with absurd scan counts (a known CPU-exhaustion input).
        let flags = TJFLAG_ACCURATEDCT | TJFLAG_LIMITSCANS
        let count = Int(width) * Int(height) * 3
        var status: Int32 = 0
        // Left uninitialized: a successful decode writes every byte, and a damaged file whose
        // header claims 16383x16383 then costs address space, not 768 MB of zeroed memory.
        // STOPONWARNING ends such a file at its first missing row instead of decoding a
        // whole gray image first (a 632-byte input took 0.9 s); only the benign warning
        // below is worth a second, complete pass.
        let pixels = [UInt8](unsafeUninitializedCapacity: count) { target, initialized in
            bytes.withUnsafeBufferPointer { source in
                func decompress(_ flags: Int32) -> Int32 {
                    tjDecompress2(handle, source.baseAddress, UInt(source.count), target.baseAddress,
                                  width, 0, height, Int32(TJPF_RGB.rawValue), flags)
                }
                status = decompress(flags | TJFLAG_STOPONWARNING)
                if status != 0 && isBenignWarning(handle) { status = decompress(flags) }
            }
            initialized = count
        }
        if status != 0 && !isBenignWarning(handle) {
            throw ImageIOError(file: name, problem: "damaged JPEG: \(errorText(handle))")
        }
        return RGBImage(width: Int(width), height: Int(height), pixels: pixels)
    }

    private static func isBenignWarning(_ handle: tjhandle) -> Bool {
        tjGetErrorCode(handle) == Int32(TJERR_WARNING.rawValue) && errorText(handle).contains("extraneous bytes before marker")
    }

    private static func errorText(_ handle: tjhandle?) -> String {
        guard let text = tjGetErrorStr2(handle) else { return "unknown libjpeg-turbo error" }
        return String(cString: text)
    }
}
