/// COCO-Stuff-10k (v1.1): 9000 train / 1000 test images, 171 classes (trainIds 0...170,
/// 255 = ignore), read in three layouts:
///
///     as distributed:                       converted in place:
///     <root>/images/<name>.jpg              <root>/images/<name>.jpg
///     <root>/annotations/<name>.mat         <root>/annotations/<name>_labelTrainIds.png
///     <root>/imageLists/<split>.txt         <root>/imageLists/<split>.txt   (names, no extension)
///
///     as mmsegmentation's converter leaves it (split train or test):
///     <root>/images/<split>2014/<name>.jpg
///     <root>/annotations/<split>2014/<name>_labelTrainIds.png
///
/// The `.mat` files are read natively (`MatFile`: variable `S`, raw ids 1...182, 0 =
/// unlabeled) and mapped to trainIds as mmseg's converter does (`trainIdOfRawId`); where both
/// exist, the PNG is used.
public struct CocoStuff10kDataset: SegmentationDataset {
    /// The 171 classes in trainId order: COCO's 80 things in id order, then the 91 stuff
    /// classes (raw ids 92...182). The 11 thing ids COCO dropped (street sign, hat, shoe,
    /// eye glasses, plate, mirror, window, desk, door, blender, hair brush) have no trainId.
    public static let classNames = [
        // things, raw ids 1...90 without the 11 removed ones
        "person", "bicycle", "car", "motorcycle", "airplane", "bus", "train", "truck", "boat",
        "traffic light", "fire hydrant", "stop sign", "parking meter", "bench", "bird", "cat", "dog",
        "horse", "sheep", "cow", "elephant", "bear", "zebra", "giraffe", "backpack", "umbrella",
        "handbag", "tie", "suitcase", "frisbee", "skis", "snowboard", "sports ball", "kite",
        "baseball bat", "baseball glove", "skateboard", "surfboard", "tennis racket", "bottle",
        "wine glass", "cup", "fork", "knife", "spoon", "bowl", "banana", "apple", "sandwich",
        "orange", "broccoli", "carrot", "hot dog", "pizza", "donut", "cake", "chair", "couch",
        "potted plant", "bed", "dining table", "toilet", "tv", "laptop", "mouse", "remote",
        "keyboard", "cell phone", "microwave", "oven", "toaster", "sink", "refrigerator", "book",
        "clock", "vase", "scissors", "teddy bear", "hair drier", "toothbrush",
        // stuff, raw ids 92...182
        "banner", "blanket", "branch", "bridge", "building-other", "bush", "cabinet", "cage",
        "cardboard", "carpet", "ceiling-other", "ceiling-tile", "cloth", "clothes", "clouds",
        "counter", "cupboard", "curtain", "desk-stuff", "dirt", "door-stuff", "fence",
        "floor-marble", "floor-other", "floor-stone", "floor-tile", "floor-wood", "flower", "fog",
        "food-other", "fruit", "furniture-other", "grass", "gravel", "ground-other", "hill",
        "house", "leaves", "light", "mat", "metal", "mirror-stuff", "moss", "mountain", "mud",
        "napkin", "net", "paper", "pavement", "pillow", "plant-other", "plastic", "platform",
        "playingfield", "railing", "railroad", "river", "road", "rock", "roof", "rug", "salad",
        "sand", "sea", "shelf", "sky-other", "skyscraper", "snow", "solid-other", "stairs",
        "stone", "straw", "structural-other", "table", "tent", "textile-other", "towel", "tree",
        "vegetable", "wall-brick", "wall-concrete", "wall-other", "wall-panel", "wall-stone",
        "wall-tile", "wall-wood", "water-other", "waterdrops", "window-blind", "window-other",
        "wood",
    ]

    /// COCO-Stuff has no official palette. Class `c` gets the PASCAL VOC colour-map entry
    /// `c + 1`: the bits of `c + 1` are dealt out, lowest first, to the high bits of R, G
    /// and B in turn (bit 0 -> R bit 7, bit 1 -> G bit 7, bit 2 -> B bit 7, bit 3 -> R bit 6,
    /// ...). This gives distinct colours for all 255 values; the `+ 1` keeps black (entry 0)
    /// off every class, so it cannot be mistaken for "no label" in an overlay.
    public static let palette: [RGBColor] = (0..<171).map { vocColor($0 + 1) }

    static func vocColor(_ index: Int) -> RGBColor {
        var r: UInt8 = 0, g: UInt8 = 0, b: UInt8 = 0
        var bits = index
        for shift in stride(from: 7, through: 0, by: -1) {
            r |= UInt8(bits & 1) << shift
            g |= UInt8((bits >> 1) & 1) << shift
            b |= UInt8((bits >> 2) & 1) << shift
            bits >>= 3
        }
        return RGBColor(r, g, b)
    }

    /// Raw COCO-Stuff id (the `.mat` files' values) -> trainId: 0 (unlabeled) and the 11
    /// thing ids COCO dropped (12, 26, 29, 30, 45, 66, 68, 69, 71, 83, 91) -> 255, the other
    /// 171 ids 1...182 -> 0...170 in order; nil above 182 (a damaged file).
    public static let trainIdOfRawId: [UInt8?] = {
        var table = [UInt8?](repeating: nil, count: 256)
        table[0] = LabelMap.ignore
        let dropped: Set<Int> = [12, 26, 29, 30, 45, 66, 68, 69, 71, 83, 91]
        var next: UInt8 = 0
        for raw in 1...182 {
            if dropped.contains(raw) { table[raw] = LabelMap.ignore } else { table[raw] = next; next += 1 }
        }
        return table
    }()

    public let root: String
    public let split: String
    /// (image, label) paths in the list file's order (mmseg's layout: sorted by name).
    public let files: [(image: String, label: String)]
    /// True for mmseg's `images/<split>2014` layout.
    public let mmsegLayout: Bool

    public var name: String {
        let mats = files.contains { $0.label.hasSuffix(".mat") }
        return "COCO-Stuff-10k \(split) (\(mmsegLayout ? "mmseg layout, " : "")\(mats ? ".mat annotations" : "labelTrainIds"))"
    }
    public var classNames: [String] { Self.classNames }
    public var palette: [RGBColor] { Self.palette }
    public var count: Int { files.count }

    /// Lists `imageLists/<split>.txt`; throws naming the missing list or the first missing
    /// image or label file.
    public init(root: String, split: String) throws {
        self.root = root
        self.split = split
        let folder = split.hasSuffix("2014") ? split : split + "2014"
        let mmImages = DatasetFiles.join(root, "images", folder), mmLabels = DatasetFiles.join(root, "annotations", folder)
        mmsegLayout = DatasetFiles.isFolder(mmImages)
        if mmsegLayout {
            try DatasetFiles.requireFolder(mmLabels, "COCO-Stuff-10k annotations/\(folder)/<name>_labelTrainIds.png (mmseg's layout)")
            files = try DatasetFiles.entries(of: mmImages).filter(DatasetFiles.hasImageExtension).map { file in
                let label = DatasetFiles.join(mmLabels, DatasetFiles.stem(file) + "_labelTrainIds.png")
                try DatasetFiles.requireFile(label, "label file for \(DatasetFiles.join(mmImages, file))")
                return (DatasetFiles.join(mmImages, file), label)
            }
            if files.isEmpty { throw DatasetError(file: mmImages, problem: "holds no images") }
            return
        }
        let list = DatasetFiles.join(root, "imageLists", split + ".txt")
        try DatasetFiles.requireFolder(DatasetFiles.join(root, "images"), "COCO-Stuff-10k images/<name>.jpg")
        try DatasetFiles.requireFolder(DatasetFiles.join(root, "annotations"),
                                       "COCO-Stuff-10k annotations/<name>.mat or <name>_labelTrainIds.png")
        files = try DatasetFiles.lines(of: list, "COCO-Stuff-10k split list imageLists/\(split).txt").map { line in
            // Names are listed without extension; tolerate one anyway.
            var name = line.text
            if name.lowercased().hasSuffix(".jpg") { name = String(name.dropLast(4)) }
            if name.contains("/") || name.contains(" ") {
                throw DatasetError(file: list, problem: "line \(line.number): expected an image name, got \"\(line.text)\"")
            }
            let image = DatasetFiles.join(root, "images", name + ".jpg")
            let png = DatasetFiles.join(root, "annotations", name + "_labelTrainIds.png")
            let mat = DatasetFiles.join(root, "annotations", name + ".mat")
            try DatasetFiles.requireFile(image, "image listed on line \(line.number) of \(list)")
            if DatasetFiles.isFile(png) { return (image, png) }
            try DatasetFiles.requireFile(mat, "annotation for \(image) (annotations/\(name).mat as distributed, or \(name)_labelTrainIds.png)")
            return (image, mat)
        }
        if files.isEmpty { throw DatasetError(file: list, problem: "lists no images") }
    }

    /// The trainIds of a `.mat` annotation (variable `S`).
    public static func readMat(_ path: String) throws -> LabelMap {
        let bytes: [UInt8]
        do { bytes = try FileIO.read(path) } catch let e as ImageIOError { throw DatasetError(file: e.file, problem: e.problem) }
        let m: (height: Int, width: Int, values: [UInt8])
        do { m = try MatFile.readLabelMatrix(bytes, variable: "S", file: path) } catch let e as MatFileError {
            throw DatasetError(file: e.file, problem: e.problem)
        }
        var values = m.values
        for i in values.indices {
            guard let t = trainIdOfRawId[Int(values[i])] else {
                throw DatasetError(file: path, problem: "value \(values[i]) at (x \(i % m.width), y \(i / m.width)) is no COCO-Stuff id (0...182)")
            }
            values[i] = t
        }
        return LabelMap(width: m.width, height: m.height, values: values)
    }

    /// The image (H, W, 3) and its trainIds (H, W): 0...170, 255 = ignore.
    public func sample(_ index: Int) throws -> (image: RGBImage, labels: LabelMap) {
        try DatasetFiles.checkIndex(index, count: count, name: root)
        let (imagePath, labelPath) = files[index]
        let image = try DatasetFiles.readImage(imagePath)
        let labels = labelPath.hasSuffix(".mat") ? try Self.readMat(labelPath) : try DatasetFiles.readLabels(labelPath)
        try DatasetFiles.checkSameSize(image, labels, imagePath: imagePath, labelPath: labelPath)
        try DatasetFiles.checkValues(labels, classCount: classCount, labelPath: labelPath)
        return (image, labels)
    }
}
