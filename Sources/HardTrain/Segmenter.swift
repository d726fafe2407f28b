import Foundation
import HardData
import HardEngine
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

    /// The images under `path`: the file itself, or a folder's .png/.jpg/.jpeg files (sorted;
    /// hidden files left out). An image whose name is not UTF-8 is an error naming it (escaped,
    /// `photos/a\xFF.png`): Swift paths cannot name it, and another file must not be read instead.
    public static func inputs(_ path: String) throws -> [String] {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw ImageIOError(file: path, problem: "no such file or folder")
        }
        guard isDir.boolValue else { return [path] }
        var images: [String] = []
        for entry in try Folder.rawEntries(of: path) where entry.bytes.first != 0x2E {
            let shown = entry.name ?? FileName.escaped(entry.bytes)
            guard isImageName(shown) else { continue }
            guard let name = entry.name else {
                throw ImageIOError(file: (path as NSString).appendingPathComponent(shown),
                                   problem: "the file name is not valid UTF-8; hard takes UTF-8 file names only, rename it")
            }
            images.append(name)
        }
        guard !images.isEmpty else { throw ImageIOError(file: path, problem: "folder holds no .png, .jpg or .jpeg image") }
        return images.sorted().map { (path as NSString).appendingPathComponent($0) }
    }

    static func isImageName(_ name: String) -> Bool {
        ["png", "jpg", "jpeg"].contains((name as NSString).pathExtension.lowercased())
    }

    /// The name each input's outputs start with: the file name without its extension
    /// (`a.png` -> `a`), unless two inputs would share it (`a.png` and `a.jpg`; compared
    /// ignoring case, as macOS disks do), then the name with its extension (`a_png`, `a_jpg`);
    /// a name still shared (the same file name in two folders) gets `_2`, `_3`, ... in input order.
    public static func outputStems(_ inputs: [String]) -> [String] {
        let names = inputs.map { ($0 as NSString).lastPathComponent }
        let stems = names.map { ($0 as NSString).deletingPathExtension }
        var uses: [String: Int] = [:]
        for s in stems { uses[s.lowercased(), default: 0] += 1 }
        let first = zip(names, stems).map { name, stem -> String in
            guard uses[stem.lowercased()]! > 1 else { return stem }
            let ext = (name as NSString).pathExtension
            return ext.isEmpty ? stem : stem + "_" + ext
        }
        var taken = Set<String>()
        return first.map { candidate in
            var name = candidate, n = 1
            while !taken.insert(name.lowercased()).inserted {
                n += 1
                name = "\(candidate)_\(n)"
            }
            return name
        }
    }

    /// Refuses an output folder that is the input folder: the outputs would be mixed with
    /// the images and read as inputs by the next run.
    public static func checkOutputFolder(_ outputDir: String, input: String) throws {
        guard Folder.exists(input), OutputGuard.sameFile(outputDir, input) else { return }
        throw FileError(file: outputDir, problem: "is the input folder; the outputs would be mixed with the images, choose another output folder")
    }

    /// Segments each input, writing `<stem>_labels.png` (palette PNG, value = class) and
    /// `<stem>_overlay.png` into `outputDir`, stems as `outputStems` makes them, so no two
    /// outputs share a name and no output is an input. Returns the written paths.
    @discardableResult
    public static func run(model: HARDNetwork, inputs: [String], outputDir: String, palette: [RGBColor],
                           opacity: Double = 0.5, inputSize: (height: Int, width: Int)? = nil,
                           augmentation: TestTimeAugmentation = .init(),
                           progress: (String) -> Void = { _ in }) throws -> [String] {
        let predictor = Predictor(model)
        return try run(inputs: inputs, outputDir: outputDir, palette: palette, opacity: opacity, progress: progress) {
            try predictor.predict($0, inputSize: inputSize, augmentation: augmentation)
        }
    }

    /// The same with any predictor (`hard segment --int8`): `predict` gives an image's class map.
    @discardableResult
    public static func run(inputs: [String], outputDir: String, palette: [RGBColor], opacity: Double = 0.5,
                           progress: (String) -> Void = { _ in }, predict: (RGBImage) throws -> LabelMap) throws -> [String] {
        let stems = outputStems(inputs)
        let outputs = stems.map { stem in
            (labels: (outputDir as NSString).appendingPathComponent(stem + "_labels.png"),
             overlay: (outputDir as NSString).appendingPathComponent(stem + "_overlay.png"))
        }
        try Folder.create(outputDir)
        try OutputGuard.check(outputs: outputs.flatMap { [$0.labels, $0.overlay] },
                              against: inputs.map { OutputGuard.Input($0, "an input image") })
        var written: [String] = []
        for (path, out) in zip(inputs, outputs) {
            let image = try ImageFile.readRGB(path)
            let labels = try predict(image)
            try ImageFile.writeLabelPNG(labels, palette: palette, to: out.labels)
            written.append(out.labels)
            try ImageFile.writePNG(overlay(image, labels, palette: palette, opacity: opacity), to: out.overlay)
            written.append(out.overlay)
            progress(path)
        }
        return written
    }
}
