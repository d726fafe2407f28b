import HardData

/// Builds the datasets a configuration names.
public enum DatasetFactory {
    /// `classificationSide`: the shorter side an `imagenet` dataset resizes its images to
    /// (a training run passes its crop's longer side).
    public static func make(_ c: DatasetConfig, split: String, classificationSide: Int = 224) throws -> SegmentationDataset {
        try c.validate()
        switch c.kind {
        case "synthstreets":
            guard let s = SynthStreets.Split(rawValue: split) else {
                throw ConfigError("SynthStreets has the splits train and val, not '\(split)'")
            }
            return SynthStreets(split: s, count: s == .train ? c.synthTrainImages : c.synthValImages,
                                width: c.synthWidth, height: c.synthHeight, seed: c.synthSeed)
        case "cityscapes": return try CityscapesDataset(root: c.root!, split: split)
        case "camvid": return try CamVidDataset(root: c.root!, split: split)
        case "cocostuff10k": return try CocoStuff10kDataset(root: c.root!, split: split)
        case "folder": return try FolderDataset(root: c.root!, split: split)
        case "imagenet": return try ClassificationFolderDataset(root: c.root!, split: split, shorterSide: classificationSide)
        default:
            throw ConfigError("unknown dataset kind '\(c.kind)'")
        }
    }
}
