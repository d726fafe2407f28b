/// Cityscapes (fine annotations), in the layout of the official download:
///
///     <root>/leftImg8bit/<split>/<city>/<city>_<seq>_<frame>_leftImg8bit.png
///     <root>/gtFine/<split>/<city>/<city>_<seq>_<frame>_gtFine_labelTrainIds.png  (after cityscapesscripts' createTrainIdLabelImgs)
///     <root>/gtFine/<split>/<city>/<city>_<seq>_<frame>_gtFine_labelIds.png       (as downloaded)
///
/// The converted `labelTrainIds` files are used when every image has one; otherwise the
/// `labelIds` files are read and mapped id -> trainId here, with the official table
/// (`cityscapesscripts/helpers/labels.py`), so no conversion step is required.
/// 2975 / 500 / 1525 images in train / val / test.
public struct CityscapesDataset: SegmentationDataset {
    /// Which ground-truth files the dataset reads.
    public enum LabelKind: String, Sendable {
        /// `*_gtFine_labelTrainIds.png`: values 0...18 and 255, used as stored.
        case trainIds = "labelTrainIds"
        /// `*_gtFine_labelIds.png`: ids 0...33 (and 255 for id -1), mapped to trainIds.
        case labelIds = "labelIds"
    }

    /// The 19 evaluation classes, index = trainId.
    public static let classNames = [
        "road", "sidewalk", "building", "wall", "fence", "pole", "traffic light", "traffic sign",
        "vegetation", "terrain", "sky", "person", "rider", "car", "truck", "bus", "train",
        "motorcycle", "bicycle",
    ]

    /// The official colours of the 19 classes (`labels.py`).
    public static let palette = [
        RGBColor(128, 64, 128), RGBColor(244, 35, 232), RGBColor(70, 70, 70), RGBColor(102, 102, 156),
        RGBColor(190, 153, 153), RGBColor(153, 153, 153), RGBColor(250, 170, 30), RGBColor(220, 220, 0),
        RGBColor(107, 142, 35), RGBColor(152, 251, 152), RGBColor(70, 130, 180), RGBColor(220, 20, 60),
        RGBColor(255, 0, 0), RGBColor(0, 0, 142), RGBColor(0, 0, 70), RGBColor(0, 60, 100),
        RGBColor(0, 80, 100), RGBColor(0, 0, 230), RGBColor(119, 11, 32),
    ]

    /// labelId -> trainId for every byte value (`labels.py`): the 19 evaluated ids map to
    /// 0...18; the other ids (0-6 void/ego vehicle/..., 9 parking, 10 rail track, 14-16
    /// guard rail/bridge/tunnel, 18 polegroup, 29 caravan, 30 trailer) and 255 (id -1,
    /// license plate, as uint8) map to 255. Bytes 34...254 are no Cityscapes id: `nil`, so a
    /// file holding them is reported rather than silently ignored.
    static let trainIdOfLabelId: [UInt8?] = {
        var table = [UInt8?](repeating: nil, count: 256)
        for id in 0...33 { table[id] = LabelMap.ignore }
        table[255] = LabelMap.ignore
        let evaluated = [7, 8, 11, 12, 13, 17, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 31, 32, 33]
        for (trainId, id) in evaluated.enumerated() { table[id] = UInt8(trainId) }
        return table
    }()

    /// trainId -> labelId for the benchmark's prediction files: the 19 evaluated ids; 255
    /// (ignore) and anything else -> 0 (`unlabeled`, which the evaluator does not score).
    public static let labelIdOfTrainId: [UInt8] = {
        var table = [UInt8](repeating: 0, count: 256)
        for (id, trainId) in trainIdOfLabelId.enumerated() {
            if let trainId, trainId != LabelMap.ignore { table[Int(trainId)] = UInt8(id) }
        }
        return table
    }()

    /// trainIds (H, W) -> labelIds (H, W), as the official evaluator and the benchmark server read predictions.
    public static func labelIds(fromTrainIds labels: LabelMap) -> LabelMap {
        LabelMap(width: labels.width, height: labels.height, values: labels.values.map { labelIdOfTrainId[Int($0)] })
    }

    public let root: String
    public let split: String
    public let labelKind: LabelKind
    /// (image, label) paths, sorted by city then file name.
    public let files: [(image: String, label: String)]

    public var name: String { "Cityscapes \(split) (gtFine \(labelKind.rawValue))" }
    public var classNames: [String] { Self.classNames }
    public var palette: [RGBColor] { Self.palette }
    public var count: Int { files.count }

    /// Lists the split's images and their fine labels; throws naming the missing folder, or
    /// the first image whose label file is missing.
    public init(root: String, split: String) throws {
        let imageRoot = DatasetFiles.join(root, "leftImg8bit", split)
        let labelRoot = DatasetFiles.join(root, "gtFine", split)
        try DatasetFiles.requireFolder(imageRoot, "Cityscapes images leftImg8bit/\(split)/<city>/*_leftImg8bit.png")
        try DatasetFiles.requireFolder(labelRoot, "Cityscapes fine labels gtFine/\(split)/<city>/*_gtFine_*.png")

        // (image path, label path without the kind suffix)
        var samples: [(image: String, labelStem: String)] = []
        let suffix = "_leftImg8bit.png"
        for city in try DatasetFiles.subfolders(of: imageRoot) {
            let cityFolder = DatasetFiles.join(imageRoot, city)
            for file in try DatasetFiles.entries(of: cityFolder) where file.hasSuffix(suffix) {
                let stem = String(file.dropLast(suffix.count))
                samples.append((DatasetFiles.join(cityFolder, file), DatasetFiles.join(labelRoot, city, stem + "_gtFine_")))
            }
        }
        if samples.isEmpty {
            throw DatasetError(file: imageRoot, problem: "no <city>/*\(suffix) images in this folder")
        }

        func labelPath(_ sample: (image: String, labelStem: String), _ kind: LabelKind) -> String {
            sample.labelStem + kind.rawValue + ".png"
        }
        func firstMissing(_ kind: LabelKind) -> (image: String, labelStem: String)? {
            samples.first { !DatasetFiles.isFile(labelPath($0, kind)) }
        }
        let kind: LabelKind
        if firstMissing(.trainIds) == nil {
            kind = .trainIds
        } else if firstMissing(.labelIds) == nil {
            kind = .labelIds   // some or all trainIds missing, but the originals are all there
        } else {
            // Neither kind is complete. If any trainIds file exists the folder was converted
            // and the missing trainIds file is the one to name; otherwise the labelIds one.
            let converted = samples.contains { DatasetFiles.isFile(labelPath($0, .trainIds)) }
            let wanted: LabelKind = converted ? .trainIds : .labelIds
            let sample = firstMissing(wanted)!
            throw DatasetError(file: labelPath(sample, wanted), problem:
                "missing label file for \(sample.image) (every image needs *_gtFine_labelTrainIds.png, "
                + "or else every image needs *_gtFine_labelIds.png)")
        }
        self.root = root
        self.split = split
        self.labelKind = kind
        self.files = samples.map { ($0.image, labelPath($0, kind)) }
    }

    /// The image (H, W, 3) and its trainIds (H, W), 255 = ignore.
    public func sample(_ index: Int) throws -> (image: RGBImage, labels: LabelMap) {
        try DatasetFiles.checkIndex(index, count: count, name: root)
        let (imagePath, labelPath) = files[index]
        let image = try DatasetFiles.readImage(imagePath)
        var labels = try DatasetFiles.readLabels(labelPath)
        try DatasetFiles.checkSameSize(image, labels, imagePath: imagePath, labelPath: labelPath)
        if labelKind == .labelIds {
            labels = try Self.trainIds(fromLabelIds: labels, file: labelPath)
        }
        try DatasetFiles.checkValues(labels, classCount: classCount, labelPath: labelPath)
        return (image, labels)
    }

    /// labelIds (H, W) -> trainIds (H, W); a byte that is no Cityscapes id throws naming the file.
    public static func trainIds(fromLabelIds labels: LabelMap, file: String) throws -> LabelMap {
        var out = labels
        for i in out.values.indices {
            guard let trainId = trainIdOfLabelId[Int(out.values[i])] else {
                throw DatasetError(file: file, problem:
                    "value \(out.values[i]) at pixel (x \(i % labels.width), y \(i / labels.width)) is not a Cityscapes "
                    + "label id (0...33, or 255 for -1)")
            }
            out.values[i] = trainId
        }
        return out
    }
}
