/// CamVid, 11 classes, 367 / 101 / 233 images in train / val / test, in three layouts:
///
///     <root>/<split>/<name>.png  with  <root>/<split>annot/<name>.png      (SegNet folders, 360x480)
///     <root>/<split>.txt, lines "image_path label_path"                    (SegNet list, 360x480)
///     <root>/<split>/<name>.png  with  <root>/<split>_labels/<name>_L.png  (full 720x960, colour labels)
///
/// The full-resolution layout is the original CamVid's 32-class colour labels as the
/// real-time peers train and test at 720x960 (DDRNet, PIDNet, BiSeNet; the layout of the
/// widely mirrored 720x960 release): the 11 classes' own colours map to them, the other 21
/// classes (lane markings, SUV, child, ... and Void) are ignored (`fullResolutionColors`).
/// The folders are used when both exist (they cannot point outside the dataset); the list
/// file otherwise. List paths are relative to `root`; the absolute `/SegNet/CamVid/...` paths
/// of SegNet's own lists are taken as relative to `root` too, other absolute paths as they are.
/// Label value 11 (Unlabelled) becomes 255.
public struct CamVidDataset: SegmentationDataset {
    public static let classNames = [
        "Sky", "Building", "Pole", "Road", "Pavement", "Tree", "SignSymbol", "Fence", "Car",
        "Pedestrian", "Bicyclist",
    ]

    /// SegNet's class colours.
    public static let palette = [
        RGBColor(128, 128, 128), RGBColor(128, 0, 0), RGBColor(192, 192, 128), RGBColor(128, 64, 128),
        RGBColor(60, 40, 222), RGBColor(128, 128, 0), RGBColor(192, 128, 128), RGBColor(64, 64, 128),
        RGBColor(64, 0, 128), RGBColor(64, 64, 0), RGBColor(0, 128, 192),
    ]

    /// The original CamVid colours of the 11 classes (Sidewalk's is Pavement's) -> class.
    /// Colours of the 21 other original classes -> 255; any other colour is a damaged label.
    public static let fullResolutionColors: [RGBColor: UInt8] = {
        let own: [(UInt8, UInt8, UInt8)] = [(128, 128, 128), (128, 0, 0), (192, 192, 128), (128, 64, 128), (0, 0, 192), (128, 128, 0),
                                            (192, 128, 128), (64, 64, 128), (64, 0, 128), (64, 64, 0), (0, 128, 192)]
        let others: [(UInt8, UInt8, UInt8)] = [
            (64, 128, 64), (192, 0, 128), (0, 128, 64), (64, 0, 192), (192, 128, 64), (128, 0, 192), (192, 0, 64), (128, 128, 64),
            (192, 0, 192), (128, 64, 64), (64, 192, 128), (128, 128, 192), (64, 128, 192), (0, 0, 64), (0, 64, 64), (192, 64, 128),
            (192, 128, 192), (64, 0, 64), (192, 192, 0), (0, 0, 0), (64, 192, 0),
        ]
        var table: [RGBColor: UInt8] = [:]
        for (k, c) in own.enumerated() { table[RGBColor(c.0, c.1, c.2)] = UInt8(k) }
        for c in others { table[RGBColor(c.0, c.1, c.2)] = LabelMap.ignore }
        return table
    }()

    /// The label value of "Unlabelled" in SegNet's annotations.
    public static let unlabelled: UInt8 = 11

    /// The prefix of the absolute paths in SegNet's list files.
    static let segNetPrefix = "/SegNet/CamVid/"

    public let root: String
    public let split: String
    /// The list file the samples came from, or nil when they came from the folders.
    public let listFile: String?
    /// (image, label) paths: sorted by name from folders, in list order from a list file.
    public let files: [(image: String, label: String)]

    /// True for the 720x960 layout with colour labels.
    public let fullResolution: Bool

    public var name: String {
        "CamVid \(split) (\(fullResolution ? "720x960 colour labels" : listFile == nil ? "SegNet folders" : "\(split).txt"))"
    }
    public var classNames: [String] { Self.classNames }
    public var palette: [RGBColor] { Self.palette }
    public var count: Int { files.count }

    /// Lists the split (train, val or test); throws naming the missing folder or list file,
    /// a malformed list line, or the first missing image or label.
    public init(root: String, split: String) throws {
        let imageFolder = DatasetFiles.join(root, split)
        let labelFolder = DatasetFiles.join(root, split + "annot")
        let list = DatasetFiles.join(root, split + ".txt")
        let colourFolder = DatasetFiles.join(root, split + "_labels")
        self.root = root
        self.split = split
        fullResolution = !DatasetFiles.isFolder(labelFolder) && DatasetFiles.isFolder(imageFolder) && DatasetFiles.isFolder(colourFolder)
        if fullResolution {
            listFile = nil
            files = try DatasetFiles.entries(of: imageFolder).filter(DatasetFiles.hasImageExtension).map { file in
                let label = DatasetFiles.join(colourFolder, DatasetFiles.stem(file) + "_L.png")
                try DatasetFiles.requireFile(label, "colour label file for \(DatasetFiles.join(imageFolder, file))")
                return (DatasetFiles.join(imageFolder, file), label)
            }
        } else if DatasetFiles.isFolder(imageFolder) && DatasetFiles.isFolder(labelFolder) {
            listFile = nil
            files = try Self.listFolders(imageFolder, labelFolder)
        } else if DatasetFiles.isFile(list) {
            listFile = list
            files = try Self.readList(list, root: root)
        } else {
            let missing = DatasetFiles.isFolder(imageFolder) ? labelFolder : imageFolder
            throw DatasetError(file: missing, problem:
                "missing folder (CamVid needs \(split)/ and \(split)annot/, \(split)/ and \(split)_labels/ (720x960), or the list file \(split).txt, under \(root))")
        }
        if files.isEmpty {
            throw DatasetError(file: listFile ?? imageFolder, problem: "no images")
        }
    }

    private static func listFolders(_ imageFolder: String, _ labelFolder: String) throws -> [(image: String, label: String)] {
        try DatasetFiles.entries(of: imageFolder).filter(DatasetFiles.hasImageExtension).map { file in
            // SegNet's annotations carry the image's file name; a .jpg image's label is a .png.
            var label = DatasetFiles.join(labelFolder, file)
            if !file.lowercased().hasSuffix(".png") && !DatasetFiles.isFile(label) {
                label = DatasetFiles.join(labelFolder, DatasetFiles.stem(file) + ".png")
            }
            try DatasetFiles.requireFile(label, "label file for \(DatasetFiles.join(imageFolder, file))")
            return (DatasetFiles.join(imageFolder, file), label)
        }
    }

    private static func readList(_ list: String, root: String) throws -> [(image: String, label: String)] {
        try DatasetFiles.lines(of: list, "CamVid list file").map { line in
            let fields = line.text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard fields.count == 2 else {
                throw DatasetError(file: list, problem:
                    "line \(line.number): expected \"image_path label_path\", got \"\(line.text)\"")
            }
            let image = resolve(fields[0], root: root), label = resolve(fields[1], root: root)
            try DatasetFiles.requireFile(image, "image listed on line \(line.number) of \(list)")
            try DatasetFiles.requireFile(label, "label file listed on line \(line.number) of \(list)")
            return (image, label)
        }
    }

    private static func resolve(_ path: String, root: String) -> String {
        if path.hasPrefix(segNetPrefix) { return DatasetFiles.join(root, String(path.dropFirst(segNetPrefix.count))) }
        if path.hasPrefix("/") { return path }
        return DatasetFiles.join(root, path)
    }

    /// The image (H, W, 3) and its labels (H, W): 0...10, 255 = ignore (was 11, Unlabelled,
    /// or one of the 21 classes outside the 11 at 720x960).
    public func sample(_ index: Int) throws -> (image: RGBImage, labels: LabelMap) {
        try DatasetFiles.checkIndex(index, count: count, name: root)
        let (imagePath, labelPath) = files[index]
        let image = try DatasetFiles.readImage(imagePath)
        var labels = try DatasetFiles.readLabels(labelPath, colors: fullResolution ? Self.fullResolutionColors : nil)
        try DatasetFiles.checkSameSize(image, labels, imagePath: imagePath, labelPath: labelPath)
        for i in labels.values.indices where labels.values[i] == Self.unlabelled {
            labels.values[i] = LabelMap.ignore
        }
        try DatasetFiles.checkValues(labels, classCount: classCount, labelPath: labelPath)
        return (image, labels)
    }
}
