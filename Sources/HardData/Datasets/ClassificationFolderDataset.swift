/// A dataset whose samples each have one class (encoder pretraining). It is also a
/// `SegmentationDataset`, so one loader and one augmentation serve both tasks: the label
/// map of a sample is a placeholder, and the class travels by dataset index (`Batch.indices`).
public protocol ImageClassDataset: SegmentationDataset {
    /// The class of sample `index`, in 0..<classCount.
    func imageClass(_ index: Int) -> Int
}

/// ImageNet's layout (and torchvision's `ImageFolder`): one subfolder per class.
///
///     <root>/<split>/<class name>/<image>.{png,jpg,jpeg}
///
/// Classes are the split's subfolders sorted by name (so `n01440764` ... for ImageNet), index
/// = position. A sample is the image resized so its shorter side is `shorterSide` (aspect
/// kept; the training crop and the evaluation centre crop are taken from it), and a
/// placeholder label map of zeros of that size.
public struct ClassificationFolderDataset: ImageClassDataset {
    public let root: String
    public let split: String
    public let classNames: [String]
    public let shorterSide: Int
    /// (image path, class index), by class then file name.
    public let files: [(image: String, label: Int)]

    public var name: String { "image classes \(root) \(split)" }
    public var count: Int { files.count }
    /// Classification has no label colours; a grey ramp keeps every consumer well defined.
    public var palette: [RGBColor] {
        classNames.indices.map { i in let v = UInt8(truncatingIfNeeded: 255 * i / max(1, classNames.count - 1)); return RGBColor(v, v, v) }
    }

    /// Lists `<root>/<split>`; throws naming the missing folder, or a class folder without images.
    public init(root: String, split: String, shorterSide: Int) throws {
        precondition(shorterSide >= 1, "shorter side \(shorterSide)")
        let base = DatasetFiles.join(root, split)
        try DatasetFiles.requireFolder(base, "one subfolder of images per class, as ImageNet's \(split)/<class>/*.JPEG")
        let classes = try DatasetFiles.subfolders(of: base)
        guard !classes.isEmpty else {
            throw DatasetError(file: base, problem: "no class subfolders (expected \(split)/<class>/<image>.jpg)")
        }
        var files: [(image: String, label: Int)] = []
        for (label, name) in classes.enumerated() {
            let folder = DatasetFiles.join(base, name)
            let images = try DatasetFiles.entries(of: folder).filter(DatasetFiles.hasImageExtension)
            guard !images.isEmpty else { throw DatasetError(file: folder, problem: "class folder without .png/.jpg images") }
            files += images.map { (DatasetFiles.join(folder, $0), label) }
        }
        self.root = root
        self.split = split
        self.classNames = classes
        self.shorterSide = shorterSide
        self.files = files
    }

    public func imageClass(_ index: Int) -> Int { files[index].label }

    public func sample(_ index: Int) throws -> (image: RGBImage, labels: LabelMap) {
        try DatasetFiles.checkIndex(index, count: count, name: name)
        let image = try DatasetFiles.readImage(files[index].image)
        let scale = Double(shorterSide) / Double(min(image.width, image.height))
        let w = max(1, Int((Double(image.width) * scale).rounded())), h = max(1, Int((Double(image.height) * scale).rounded()))
        let resized = Resampling.resize(image, width: w, height: h)
        return (resized, LabelMap(width: w, height: h, fill: 0))
    }
}
