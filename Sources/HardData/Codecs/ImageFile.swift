/// Reading and writing images and label maps: PNG (libpng) and JPEG (libjpeg-turbo).
///
/// Every file is treated as untrusted: an empty, truncated, corrupt, missing or unreadable
/// file, or one that is not an image, throws an `ImageIOError` naming the file and the
/// problem. Writers never leave a half-written file: they write a temporary file in the
/// same folder and rename it into place.
public enum ImageFile {
    /// Images with more pixels than this are refused before any pixel buffer is allocated
    /// (a damaged header can claim 65535x65535). 2^28 pixels is 16384x16384, far above any
    /// segmentation dataset, and still a bounded 768 MiB as RGB.
    static let maxPixels = 1 << 28

    // MARK: Reading

    /// Reads an image as 8-bit RGB.
    ///
    /// PNG (8-bit or less gray, gray+alpha, RGB, RGBA, palette; interlaced or not) or JPEG
    /// (colour or gray), told apart by their magic bytes, not by the extension. Alpha is
    /// dropped; no gamma or colour-profile correction is applied (the stored values are
    /// what a network trains on), nor a JPEG's EXIF orientation (label maps are drawn on the
    /// stored pixel grid). 16-bit PNGs are refused.
    public static func readRGB(_ path: String) throws -> RGBImage {
        try decodeRGB(FileIO.read(path), name: path)
    }

    /// Reads a label map: one class index per pixel, 255 = ignore.
    ///
    /// - 8-bit (or less) grayscale PNG: the values as stored (alpha dropped).
    /// - palette PNG: the palette *indices* exactly as stored, not their colours.
    /// - RGB/RGBA PNG: each colour looked up in `colors` (colour -> class index); a colour
    ///   not in the table throws naming the file and the colour, or becomes 255 when
    ///   `unknownColorIsIgnore`. Without `colors` an RGB label map throws.
    /// - JPEG is refused: lossy compression invents colours and values along every edge.
    public static func readLabels(_ path: String, colors: [RGBColor: UInt8]? = nil,
                                  unknownColorIsIgnore: Bool = false) throws -> LabelMap {
        try decodeLabels(FileIO.read(path), name: path, colors: colors, unknownColorIsIgnore: unknownColorIsIgnore)
    }

    /// Decodes PNG or JPEG bytes to 8-bit RGB, as `readRGB`; `name` is what errors call the data.
    public static func decodeRGB(_ bytes: [UInt8], name: String) throws -> RGBImage {
        switch try ImageFormat.detect(bytes, name: name) {
        case .png:
            let header = try PNGCodec.header(bytes, name: name)
            return try PNGCodec.decodeRGB(bytes, header: header, name: name)
        case .jpeg:
            return try JPEGCodec.decode(bytes, name: name)
        }
    }

    /// Decodes label-map bytes, as `readLabels`.
    package static func decodeLabels(_ bytes: [UInt8], name: String, colors: [RGBColor: UInt8]?,
                             unknownColorIsIgnore: Bool) throws -> LabelMap {
        switch try ImageFormat.detect(bytes, name: name) {
        case .jpeg:
            throw ImageIOError(file: name, problem:
                "is a JPEG; label maps must be PNG (JPEG is lossy and changes class values along edges)")
        case .png:
            let header = try PNGCodec.header(bytes, name: name)
            switch header.colorType {
            case .gray, .grayAlpha, .palette:
                let values = try PNGCodec.decodeSamples(bytes, header: header, name: name)
                return LabelMap(width: header.width, height: header.height, values: values)
            case .rgb, .rgba:
                guard let colors else {
                    throw ImageIOError(file: name, problem:
                        "is an \(header.colorType.words) label map, which needs a colour table (colour -> class); "
                        + "store labels as grayscale or palette PNG, or give the class colours")
                }
                let image = try PNGCodec.decodeRGB(bytes, header: header, name: name)
                return try LabelColorTable.map(image, colors: colors, unknownIsIgnore: unknownColorIsIgnore, name: name)
            }
        }
    }

    // MARK: Writing

    /// Encodes an image as an 8-bit RGB PNG.
    public static func encodePNG(_ image: RGBImage) throws -> [UInt8] {
        try PNGCodec.encode(image.pixels, width: image.width, height: image.height, colorType: .rgb, name: "<RGB image in memory>")
    }

    /// Writes an image as an 8-bit RGB PNG, atomically.
    public static func writePNG(_ image: RGBImage, to path: String) throws {
        let bytes = try PNGCodec.encode(image.pixels, width: image.width, height: image.height, colorType: .rgb, name: path)
        try FileIO.writeAtomically(bytes, to: path)
    }

    /// Writes a label map, atomically: with a palette, a palette PNG whose index is the label
    /// value (the palette is padded with black to 256 entries, so 255 and every other value
    /// has an entry); without one, an 8-bit grayscale PNG. Either way `readLabels` gives the
    /// values back exactly.
    public static func writeLabelPNG(_ labels: LabelMap, palette: [RGBColor]? = nil, to path: String) throws {
        try FileIO.writeAtomically(encodeLabelPNG(labels, palette: palette, name: path), to: path)
    }

    /// The bytes `writeLabelPNG` writes.
    static func encodeLabelPNG(_ labels: LabelMap, palette: [RGBColor]?, name: String) throws -> [UInt8] {
        guard let palette else {
            return try PNGCodec.encode(labels.values, width: labels.width, height: labels.height, colorType: .gray, name: name)
        }
        if palette.count > 256 {
            throw ImageIOError(file: name, problem: "a PNG palette holds at most 256 colours, got \(palette.count)")
        }
        let padded = palette + [RGBColor](repeating: RGBColor(0, 0, 0), count: 256 - palette.count)
        return try PNGCodec.encode(labels.values, width: labels.width, height: labels.height, colorType: .palette,
                                   palette: padded, name: name)
    }

    // MARK: Limits

    /// Refuses sizes no real image has before a buffer for them is allocated.
    static func checkSize(width: Int, height: Int, name: String) throws {
        if width <= 0 || height <= 0 {
            throw ImageIOError(file: name, problem: "image has no pixels (\(width)x\(height))")
        }
        if width > maxPixels / height {
            throw ImageIOError(file: name, problem:
                "image is \(width)x\(height), over the limit of \(maxPixels) pixels for one image")
        }
    }
}
