import Foundation
import HardData
import HardEngine

/// How one image is predicted beyond a single pass: test-time augmentation (horizontal flip,
/// several scales) and sliding-window inference for images larger than the model should see
/// at once, as mmsegmentation does them.
///
/// - Each scale s runs the image resized to round(s * H) x round(s * W) (of the base size:
///   the image's, or `--input-size`); with `flip` each also runs mirrored, its output mirrored
///   back. The softmax probabilities of every pass, resized to the image, are averaged
///   (mmseg's SegTTAModel), then argmax.
/// - With a window, each pass covers its image with windows of that size every `stride`
///   pixels, the last row and column of windows moved back to end at the border (mmseg's
///   slide_inference); each window's logits are added into the full map and divided by how
///   many windows covered each pixel. An image smaller than the window runs whole.
public struct TestTimeAugmentation: Sendable, Equatable {
    public var scales: [Double] = [1]
    public var flip = false
    public var window: (height: Int, width: Int)? = nil
    public var stride: (height: Int, width: Int)? = nil

    public init(scales: [Double] = [1], flip: Bool = false, window: (height: Int, width: Int)? = nil,
                stride: (height: Int, width: Int)? = nil) {
        self.scales = scales
        self.flip = flip
        self.window = window
        self.stride = stride
    }

    /// One pass at the base size, no windows: `Predictor`'s plain path.
    public var isSinglePass: Bool { scales == [1] && !flip && window == nil }

    /// Windows at 2/3 of their size apart unless `stride` says otherwise (mmseg's Cityscapes
    /// configs: 769 and 513).
    public var effectiveStride: (height: Int, width: Int)? {
        guard let window else { return nil }
        return stride ?? (max(1, window.height * 2 / 3), max(1, window.width * 2 / 3))
    }

    /// `--tta flip,0.75,1.0,1.25`: `flip` and scale factors in any order (no factor: 1).
    public static func parse(_ text: String, flag: String = "--tta") throws -> (scales: [Double], flip: Bool) {
        var scales: [Double] = [], flip = false
        for part in text.split(separator: ",", omittingEmptySubsequences: false).map({ $0.trimmingCharacters(in: .whitespaces) }) {
            if part == "flip" { flip = true; continue }
            guard let s = Double(part), s.isFinite, s >= 0.125, s <= 8 else {
                throw ConfigError("\(flag): '\(part)' is neither flip nor a scale factor in 0.125...8 (e.g. \(flag) flip,0.75,1.0,1.25)")
            }
            scales.append(s)
        }
        return (scales.isEmpty ? [1] : scales, flip)
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.scales == b.scales && a.flip == b.flip && a.window?.height == b.window?.height && a.window?.width == b.window?.width
            && a.stride?.height == b.stride?.height && a.stride?.width == b.stride?.width
    }

    /// The top-left corners of the windows along one side (mmseg's grid).
    static func windowStarts(length: Int, window: Int, stride: Int) -> [Int] {
        guard length > window else { return [0] }
        let count = (length - window + stride - 1) / stride + 1
        return (0..<count).map { min($0 * stride, length - window) }
    }
}

extension RGBImage {
    /// Mirrored left-right.
    func flippedHorizontally() -> RGBImage {
        var out = pixels
        for y in 0..<height {
            for x in 0..<width {
                let s = (y * width + x) * 3, d = (y * width + (width - 1 - x)) * 3
                out[d] = pixels[s]; out[d + 1] = pixels[s + 1]; out[d + 2] = pixels[s + 2]
            }
        }
        return RGBImage(width: width, height: height, pixels: out)
    }

    /// The region (x, y, w, h).
    func cropped(x: Int, y: Int, width w: Int, height h: Int) -> RGBImage {
        var out = [UInt8](repeating: 0, count: w * h * 3)
        for row in 0..<h {
            let s = ((y + row) * width + x) * 3
            out.replaceSubrange((row * w * 3)..<((row + 1) * w * 3), with: pixels[s..<(s + w * 3)])
        }
        return RGBImage(width: w, height: h, pixels: out)
    }
}

enum LogitMaps {
    /// Softmax over channels of (1, C, H, W), in place.
    static func softmax(_ t: Tensor) {
        let (_, c, h, w) = t.nchw
        let n = h * w
        let p = t.pointer
        for i in 0..<n {
            var m = -Float.infinity
            for ch in 0..<c { m = max(m, p[ch * n + i]) }
            var sum: Float = 0
            for ch in 0..<c { let e = expf(p[ch * n + i] - m); p[ch * n + i] = e; sum += e }
            for ch in 0..<c { p[ch * n + i] /= sum }
        }
    }

    /// (1, C, H, W) mirrored along W, in a new tensor.
    static func flipped(_ t: Tensor) -> Tensor {
        let (_, c, h, w) = t.nchw
        let out = Tensor.zeros(t.shape)
        for row in 0..<(c * h) {
            let s = t.pointer + row * w, d = out.pointer + row * w
            for x in 0..<w { d[w - 1 - x] = s[x] }
        }
        return out
    }
}

extension Predictor {
    /// Class indices (H, W) for one image with test-time augmentation and/or sliding windows
    /// (`TestTimeAugmentation`); the plain `predict` when it is a single pass.
    public func predict(_ image: RGBImage, inputSize: (height: Int, width: Int)? = nil,
                        augmentation: TestTimeAugmentation) throws -> LabelMap {
        if augmentation.isSinglePass { return try predict(image, inputSize: inputSize) }
        let base = inputSize ?? (image.height, image.width)
        let sum = Tensor.zeros([1, model.classes, image.height, image.width])
        for scale in augmentation.scales {
            let size = (height: max(16, Int((Double(base.height) * scale).rounded())),
                        width: max(16, Int((Double(base.width) * scale).rounded())))
            let scaled = Resampling.resize(image, width: size.width, height: size.height)
            for mirrored in augmentation.flip ? [false, true] : [false] {
                var logits = try windowedLogits(mirrored ? scaled.flippedHorizontally() : scaled, augmentation)
                if mirrored { logits = LogitMaps.flipped(logits) }
                if size.height != image.height || size.width != image.width {
                    logits = withNoGrad { resizeBilinear(logits, height: image.height, width: image.width) }
                }
                LogitMaps.softmax(logits)
                for i in 0..<sum.count { sum.pointer[i] += logits.pointer[i] }
            }
        }
        // The mean of the probabilities has the argmax of their sum.
        return Evaluator.argmaxChannels(sum)
    }

    /// Logits (1, C, H, W) of `image` at its own size: one pass, or the mean over the windows.
    func windowedLogits(_ image: RGBImage, _ augmentation: TestTimeAugmentation) throws -> Tensor {
        guard let window = augmentation.window, let stride = augmentation.effectiveStride,
              image.height > window.height || image.width > window.width else {
            return try logits(image).copy()
        }
        let (h, w) = (image.height, image.width)
        let sum = Tensor.zeros([1, model.classes, h, w])
        var count = [Float](repeating: 0, count: h * w)
        for y in TestTimeAugmentation.windowStarts(length: h, window: window.height, stride: stride.height) {
            for x in TestTimeAugmentation.windowStarts(length: w, window: window.width, stride: stride.width) {
                let (wh, ww) = (min(window.height, h), min(window.width, w))
                let part = try logits(image.cropped(x: x, y: y, width: ww, height: wh))
                for ch in 0..<model.classes {
                    for row in 0..<wh {
                        let s = part.pointer + (ch * wh + row) * ww, d = sum.pointer + (ch * h + y + row) * w + x
                        for k in 0..<ww { d[k] += s[k] }
                    }
                }
                for row in 0..<wh { for k in 0..<ww { count[(y + row) * w + x + k] += 1 } }
            }
        }
        let n = h * w
        for ch in 0..<model.classes { for i in 0..<n { sum.pointer[ch * n + i] /= count[i] } }
        return sum
    }
}
