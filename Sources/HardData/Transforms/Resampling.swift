/// Image and label resizing used by the transforms: bilinear for images (half-pixel
/// centres, as the model's resize), nearest neighbour for labels (a label is never blended).
public enum Resampling {
    /// Bilinear resize of an RGB image to width x height.
    public static func resize(_ image: RGBImage, width: Int, height: Int) -> RGBImage {
        if image.width == width && image.height == height { return image }
        var out = [UInt8](repeating: 0, count: width * height * 3)
        let sx = Double(image.width) / Double(width), sy = Double(image.height) / Double(height)
        image.pixels.withUnsafeBufferPointer { src in
            for y in 0..<height {
                let fy = max((Double(y) + 0.5) * sy - 0.5, 0)
                let y0 = min(Int(fy), image.height - 1), y1 = min(y0 + 1, image.height - 1)
                let wy = fy - Double(y0)
                for x in 0..<width {
                    let fx = max((Double(x) + 0.5) * sx - 0.5, 0)
                    let x0 = min(Int(fx), image.width - 1), x1 = min(x0 + 1, image.width - 1)
                    let wx = fx - Double(x0)
                    for c in 0..<3 {
                        let a = Double(src[(y0 * image.width + x0) * 3 + c]), b = Double(src[(y0 * image.width + x1) * 3 + c])
                        let d = Double(src[(y1 * image.width + x0) * 3 + c]), e = Double(src[(y1 * image.width + x1) * 3 + c])
                        let v = (a * (1 - wx) + b * wx) * (1 - wy) + (d * (1 - wx) + e * wx) * wy
                        out[(y * width + x) * 3 + c] = UInt8(min(max(v.rounded(), 0), 255))
                    }
                }
            }
        }
        return RGBImage(width: width, height: height, pixels: out)
    }

    /// Nearest-neighbour resize of a label map (the source pixel whose centre is nearest).
    public static func resize(_ labels: LabelMap, width: Int, height: Int) -> LabelMap {
        if labels.width == width && labels.height == height { return labels }
        var out = [UInt8](repeating: 0, count: width * height)
        let sx = Double(labels.width) / Double(width), sy = Double(labels.height) / Double(height)
        for y in 0..<height {
            let srcY = min(Int((Double(y) + 0.5) * sy), labels.height - 1)
            for x in 0..<width {
                let srcX = min(Int((Double(x) + 0.5) * sx), labels.width - 1)
                out[y * width + x] = labels.values[srcY * labels.width + srcX]
            }
        }
        return LabelMap(width: width, height: height, values: out)
    }
}
