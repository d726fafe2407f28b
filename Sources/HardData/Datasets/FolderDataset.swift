/// Your own data: a folder of images and masks with a class file.
///
///     <root>/classes.json
///     <root>/images/<stem>.{png,jpg,jpeg}      <root>/masks/<stem>.png            (split "all")
///     <root>/<split>/images/<stem>.{png,...}   <root>/<split>/masks/<stem>.png    (other splits)
///
/// `classes.json`:
///
///     {"classes": [{"name": "road", "color": [128, 64, 128]}, ...],
///      "ignore_color": [0, 0, 0]}                       // optional
///
/// A class's index is its position in `classes`. Masks are grayscale or palette PNGs
/// holding class indices (a palette mask's *indices* count, whatever its colours), or
/// RGB/RGBA PNGs whose colours are the class colours, with `ignore_color` -> 255; any
/// other colour is an error naming the mask and the colour.
public struct FolderDataset: SegmentationDataset {
    public let root: String
    public let split: String
    public let classNames: [String]
    /// The class colours from `classes.json`.
    public let palette: [RGBColor]
    /// The colour that marks unlabelled pixels in RGB masks, if any.
    public let ignoreColor: RGBColor?
    /// (image, mask) paths, sorted by image file name.
    public let files: [(image: String, label: String)]
    /// colour -> class index (and ignore colour -> 255) for RGB masks.
    let colorTable: [RGBColor: UInt8]

    public var name: String { "folder \(root) \(split)" }
    public var count: Int { files.count }

    /// Reads `classes.json` and lists the split; throws naming `classes.json` and what is
    /// wrong with it, the missing split folder, or the first image without a mask.
    public init(root: String, split: String = "all") throws {
        let classes = try FolderClassFile.read(DatasetFiles.join(root, "classes.json"))
        let base = DatasetFiles.join(root, split)
        let folder: String
        if DatasetFiles.isFolder(DatasetFiles.join(base, "images")) {
            folder = base
        } else if split == "all" {
            folder = root
        } else {
            throw DatasetError(file: DatasetFiles.join(base, "images"), problem:
                "missing folder (split \"\(split)\" needs \(split)/images and \(split)/masks; "
                + "a folder without splits is read as split \"all\" from images/ and masks/)")
        }
        let imageFolder = DatasetFiles.join(folder, "images"), maskFolder = DatasetFiles.join(folder, "masks")
        try DatasetFiles.requireFolder(imageFolder, "images/<stem>.png or .jpg")
        try DatasetFiles.requireFolder(maskFolder, "masks/<stem>.png, one per image")

        var files: [(image: String, label: String)] = []
        var imageOfStem: [String: String] = [:]
        for file in try DatasetFiles.entries(of: imageFolder) where DatasetFiles.hasImageExtension(file) {
            let stem = DatasetFiles.stem(file)
            let image = DatasetFiles.join(imageFolder, file)
            if let other = imageOfStem[stem] {
                throw DatasetError(file: image, problem:
                    "has the same stem as \(other), so masks/\(stem).png cannot tell which image it labels")
            }
            imageOfStem[stem] = image
            let mask = DatasetFiles.join(maskFolder, stem + ".png")
            try DatasetFiles.requireFile(mask, "mask for \(image)")
            files.append((image, mask))
        }
        if files.isEmpty { throw DatasetError(file: imageFolder, problem: "no .png, .jpg or .jpeg images") }

        var table: [RGBColor: UInt8] = [:]
        for (index, entry) in classes.classes.enumerated() { table[entry.color] = UInt8(index) }
        if let ignore = classes.ignoreColor { table[ignore] = LabelMap.ignore }
        self.root = root
        self.split = split
        self.classNames = classes.classes.map(\.name)
        self.palette = classes.classes.map(\.color)
        self.ignoreColor = classes.ignoreColor
        self.files = files
        self.colorTable = table
    }

    /// The image (H, W, 3) and its class indices (H, W), 255 = ignore.
    public func sample(_ index: Int) throws -> (image: RGBImage, labels: LabelMap) {
        try DatasetFiles.checkIndex(index, count: count, name: root)
        let (imagePath, maskPath) = files[index]
        let image = try DatasetFiles.readImage(imagePath)
        let labels = try DatasetFiles.readLabels(maskPath, colors: colorTable)
        try DatasetFiles.checkSameSize(image, labels, imagePath: imagePath, labelPath: maskPath)
        try DatasetFiles.checkValues(labels, classCount: classCount, labelPath: maskPath)
        return (image, labels)
    }
}
