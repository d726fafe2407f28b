import HardEngine

/// The training augmentations of the field (mmseg's Cityscapes pipeline): random scale,
/// random crop with ignore padding, horizontal flip, photometric jitter. Labels are only
/// ever resized by nearest neighbour, and padded with 255 (ignored by loss and metrics).
public struct Augmentation: Codable, Sendable, Equatable {
    /// Random rescale factor range (of the original size).
    public var scaleRange: ClosedRange<Double> = 0.5...2.0
    /// Crop size; smaller images are padded (image with the mean colour, labels with 255).
    public var cropHeight: Int
    public var cropWidth: Int
    /// Probability of a horizontal flip.
    public var flipProbability: Double = 0.5
    /// Brightness, contrast and saturation jitter strength (0 disables; 0.2 = ±20 %).
    public var photometric: Double = 0.2

    public init(cropHeight: Int, cropWidth: Int, scaleRange: ClosedRange<Double> = 0.5...2.0,
                flipProbability: Double = 0.5, photometric: Double = 0.2) {
        precondition(cropHeight > 0 && cropWidth > 0 && scaleRange.lowerBound > 0, "invalid augmentation \(cropHeight)x\(cropWidth) \(scaleRange)")
        self.cropHeight = cropHeight
        self.cropWidth = cropWidth
        self.scaleRange = scaleRange
        self.flipProbability = flipProbability
        self.photometric = photometric
    }

    /// One random draw of every augmentation, applied to an image and its labels.
    public func apply(_ image: RGBImage, _ labels: LabelMap, rng: inout SeededGenerator) -> (RGBImage, LabelMap) {
        precondition(image.width == labels.width && image.height == labels.height, "image and labels differ in size")
        // Scale
        let s = Double(rng.uniform(Float(scaleRange.lowerBound), Float(scaleRange.upperBound)))
        let w = max(1, Int((Double(image.width) * s).rounded())), h = max(1, Int((Double(image.height) * s).rounded()))
        var img = Resampling.resize(image, width: w, height: h)
        var lab = Resampling.resize(labels, width: w, height: h)
        // Crop (pad first where the scaled image is smaller than the crop)
        let x0 = w > cropWidth ? Int(rng.next() % UInt64(w - cropWidth + 1)) : 0
        let y0 = h > cropHeight ? Int(rng.next() % UInt64(h - cropHeight + 1)) : 0
        (img, lab) = Self.crop(img, lab, x: x0, y: y0, width: cropWidth, height: cropHeight)
        // Flip
        if Double(rng.nextUnitFloat()) < flipProbability { (img, lab) = Self.flip(img, lab) }
        // Photometric
        if photometric > 0 {
            let p = Float(photometric)
            img = Self.jitter(img, brightness: rng.uniform(1 - p, 1 + p), contrast: rng.uniform(1 - p, 1 + p),
                              saturation: rng.uniform(1 - p, 1 + p))
        }
        return (img, lab)
    }

    /// The window at (x, y) of the given size; outside the source: mean grey / ignore.
    public static func crop(_ image: RGBImage, _ labels: LabelMap, x: Int, y: Int, width: Int, height: Int) -> (RGBImage, LabelMap) {
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for i in 0..<(width * height) { pixels[3 * i] = 124; pixels[3 * i + 1] = 116; pixels[3 * i + 2] = 104 }  // ImageNet mean
        var values = [UInt8](repeating: LabelMap.ignore, count: width * height)
        for row in 0..<height {
            let sy = y + row
            guard sy >= 0 && sy < image.height else { continue }
            for col in 0..<width {
                let sx = x + col
                guard sx >= 0 && sx < image.width else { continue }
                let src = sy * image.width + sx, dst = row * width + col
                pixels[3 * dst] = image.pixels[3 * src]
                pixels[3 * dst + 1] = image.pixels[3 * src + 1]
                pixels[3 * dst + 2] = image.pixels[3 * src + 2]
                values[dst] = labels.values[src]
            }
        }
        return (RGBImage(width: width, height: height, pixels: pixels), LabelMap(width: width, height: height, values: values))
    }

    public static func flip(_ image: RGBImage, _ labels: LabelMap) -> (RGBImage, LabelMap) {
        var pixels = image.pixels, values = labels.values
        let w = image.width
        for y in 0..<image.height {
            for x in 0..<w {
                let src = y * w + (w - 1 - x), dst = y * w + x
                pixels[3 * dst] = image.pixels[3 * src]
                pixels[3 * dst + 1] = image.pixels[3 * src + 1]
                pixels[3 * dst + 2] = image.pixels[3 * src + 2]
                values[dst] = labels.values[src]
            }
        }
        return (RGBImage(width: w, height: image.height, pixels: pixels), LabelMap(width: w, height: image.height, values: values))
    }

    /// Brightness (scale), contrast (around the image mean), saturation (around the grey value).
    public static func jitter(_ image: RGBImage, brightness: Float, contrast: Float, saturation: Float) -> RGBImage {
        var sum: Float = 0
        for v in image.pixels { sum += Float(v) }
        let mean = sum / Float(image.pixels.count)
        var out = image.pixels
        for i in 0..<(image.width * image.height) {
            var r = Float(image.pixels[3 * i]), g = Float(image.pixels[3 * i + 1]), b = Float(image.pixels[3 * i + 2])
            r *= brightness; g *= brightness; b *= brightness
            r = (r - mean) * contrast + mean; g = (g - mean) * contrast + mean; b = (b - mean) * contrast + mean
            let grey = 0.299 * r + 0.587 * g + 0.114 * b
            r = grey + (r - grey) * saturation; g = grey + (g - grey) * saturation; b = grey + (b - grey) * saturation
            out[3 * i] = UInt8(min(max(r.rounded(), 0), 255))
            out[3 * i + 1] = UInt8(min(max(g.rounded(), 0), 255))
            out[3 * i + 2] = UInt8(min(max(b.rounded(), 0), 255))
        }
        return RGBImage(width: image.width, height: image.height, pixels: out)
    }
}

/// ImageNet normalisation into the model's input layout.
public enum Normalization {
    public static let mean: [Float] = [123.675, 116.28, 103.53]
    public static let std: [Float] = [58.395, 57.12, 57.375]

    /// Writes `image` as (3, H, W) normalised floats at `destination` (one batch item).
    public static func write(_ image: RGBImage, into destination: UnsafeMutablePointer<Float>) {
        let hw = image.width * image.height
        image.pixels.withUnsafeBufferPointer { p in
            for c in 0..<3 {
                let m = mean[c], s = 1 / std[c]
                let plane = destination + c * hw
                for i in 0..<hw { plane[i] = (Float(p[3 * i + c]) - m) * s }
            }
        }
    }

    /// A batch tensor (N, 3, H, W) from images of one size.
    public static func batch(_ images: [RGBImage]) -> Tensor {
        precondition(!images.isEmpty, "empty batch")
        let w = images[0].width, h = images[0].height
        precondition(images.allSatisfy { $0.width == w && $0.height == h }, "batch images differ in size")
        let t = Tensor.zeros([images.count, 3, h, w])
        for (i, img) in images.enumerated() { write(img, into: t.pointer + i * 3 * h * w) }
        return t
    }
}
