/// Maps the pixels of an RGB label image to class indices through a colour table.
///
/// The table is looked up once per run of equal colours (label images are mostly long
/// runs), so a 2048x1024 map costs a few thousand dictionary lookups, not two million.
enum LabelColorTable {
    /// image: (H, W, 3) -> (H, W). A colour missing from `colors` throws naming the file, the
    /// colour and the first pixel that has it, or becomes 255 when `unknownIsIgnore`.
    static func map(_ image: RGBImage, colors: [RGBColor: UInt8], unknownIsIgnore: Bool, name: String) throws -> LabelMap {
        var table = [UInt32: UInt8](minimumCapacity: colors.count)
        for (color, index) in colors { table[key(color.r, color.g, color.b)] = index }
        var values = [UInt8](repeating: LabelMap.ignore, count: image.width * image.height)
        var lastKey = UInt32.max   // no 24-bit colour has this key
        var lastValue = LabelMap.ignore
        try image.pixels.withUnsafeBufferPointer { p in
            for i in 0..<values.count {
                let k = key(p[3 * i], p[3 * i + 1], p[3 * i + 2])
                if k != lastKey {
                    if let value = table[k] {
                        lastValue = value
                    } else if unknownIsIgnore {
                        lastValue = LabelMap.ignore
                    } else {
                        throw ImageIOError(file: name, problem:
                            "colour (\(p[3 * i]), \(p[3 * i + 1]), \(p[3 * i + 2])) at pixel (x \(i % image.width), y \(i / image.width)) "
                            + "is not in the colour table (\(colors.count) colours)")
                    }
                    lastKey = k
                }
                values[i] = lastValue
            }
        }
        return LabelMap(width: image.width, height: image.height, values: values)
    }

    @inline(__always)
    private static func key(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> UInt32 {
        UInt32(r) << 16 | UInt32(g) << 8 | UInt32(b)
    }
}
