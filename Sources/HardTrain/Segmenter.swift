import Foundation
import HardData
import HardModels

/// Segments images into label maps and colour overlays.
public enum Segmenter {
    /// The image blended with the class colours: (1 - opacity) * image + opacity * colour;
    /// ignored pixels (255) keep the image.
    public static func overlay(_ image: RGBImage, _ labels: LabelMap, palette: [RGBColor], opacity: Double = 0.5) -> RGBImage {
        precondition(image.width == labels.width && image.height == labels.height, "overlay: image and labels differ in size")
        let a = min(max(opacity, 0), 1)
        var out = image.pixels
        for i in 0..<(image.width * image.height) {
            let v = Int(labels.values[i])
            guard v < palette.count else { continue }
            let c = palette[v]
            out[3 * i] = UInt8((Double(image.pixels[3 * i]) * (1 - a) + Double(c.r) * a).rounded())
            out[3 * i + 1] = UInt8((Double(image.pixels[3 * i + 1]) * (1 - a) + Double(c.g) * a).rounded())
            out[3 * i + 2] = UInt8((Double(image.pixels[3 * i + 2]) * (1 - a) + Double(c.b) * a).rounded())
        }
        return RGBImage(width: image.width, height: image.height, pixels: out)
    }

    /// The images under `path`: the file itself, or a folder's .png/.jpg/.jpeg files (sorted).
    public static func inputs(_ path: String) throws -> [String] {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw ImageIOError(file: path, problem: "no such file or folder")
        }
        guard isDir.boolValue else { return [path] }
        let names = try FileManager.default.contentsOfDirectory(atPath: path).sorted()
        let images = names.filter { ["png", "jpg", "jpeg"].contains(($0 as NSString).pathExtension.lowercased()) }
        guard !images.isEmpty else { throw ImageIOError(file: path, problem: "folder holds no .png, .jpg or .jpeg image") }
        return images.map { (path as NSString).appendingPathComponent($0) }
    }

    /// Segments each input, writing `<stem>_labels.png` (palette PNG, value = class) and
    /// `<stem>_overlay.png` into `outputDir`. Returns the written paths.
    @discardableResult
    public static func run(model: HARDNetwork, inputs: [String], outputDir: String, palette: [RGBColor],
                           opacity: Double = 0.5, inputSize: (height: Int, width: Int)? = nil,
                           progress: (String) -> Void = { _ in }) throws -> [String] {
        try FileManager.default.createDirectory(atPath: outputDir, withIntermediateDirectories: true)
        model.eval()
        var written: [String] = []
        for path in inputs {
            let image = try ImageFile.readRGB(path)
            let labels = Evaluator.predict(model, image, inputSize: inputSize)
            let stem = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
            let labelPath = (outputDir as NSString).appendingPathComponent(stem + "_labels.png")
            let overlayPath = (outputDir as NSString).appendingPathComponent(stem + "_overlay.png")
            try ImageFile.writeLabelPNG(labels, palette: palette, to: labelPath)
            try ImageFile.writePNG(overlay(image, labels, palette: palette, opacity: opacity), to: overlayPath)
            written += [labelPath, overlayPath]
            progress(path)
        }
        return written
    }
}
