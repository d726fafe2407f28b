import HardEngine

/// SynthStreets: a built-in, deterministic street-scene dataset with CamVid's 11 classes,
/// rendered procedurally at any resolution (see `StreetScene`). It is the default dataset
/// of `hard train` and `make demo`, because no real dataset can be downloaded here.
///
/// Sample i of a split is a pure function of (seed, split, i, width, height): train and
/// val never share a scene, and a resumed run sees the same images.
public struct SynthStreets: SegmentationDataset {
    public enum Split: String, Sendable, CaseIterable { case train, val }

    /// CamVid's classes (SegNet order); index = label value.
    public static let classNames = ["Sky", "Building", "Pole", "Road", "Pavement", "Tree", "SignSymbol", "Fence",
                                    "Car", "Pedestrian", "Bicyclist"]
    /// CamVid's (SegNet) palette.
    public static let palette: [RGBColor] = [
        RGBColor(128, 128, 128), RGBColor(128, 0, 0), RGBColor(192, 192, 128), RGBColor(128, 64, 128), RGBColor(60, 40, 222),
        RGBColor(128, 128, 0), RGBColor(192, 128, 128), RGBColor(64, 64, 128), RGBColor(64, 0, 128), RGBColor(64, 64, 0),
        RGBColor(0, 128, 192),
    ]

    public let split: Split
    public let count: Int
    public let width: Int
    public let height: Int
    public let seed: UInt64

    public init(split: Split, count: Int, width: Int = 480, height: Int = 360, seed: UInt64 = 0) {
        precondition(count >= 0 && width >= 16 && height >= 16, "SynthStreets: \(count) images of \(width)x\(height)")
        self.split = split
        self.count = count
        self.width = width
        self.height = height
        self.seed = seed
    }

    public var name: String { "SynthStreets \(split.rawValue) (\(width)x\(height), seed \(seed))" }
    public var classNames: [String] { Self.classNames }
    public var palette: [RGBColor] { Self.palette }

    public func sample(_ index: Int) -> (image: RGBImage, labels: LabelMap) {
        precondition(index >= 0 && index < count, "SynthStreets: sample \(index) of \(count)")
        var scene = StreetScene(width: width, height: height, seed: sceneSeed(index))
        let (image, labels) = scene.render()
        return (image, labels)
    }

    /// Splits are disjoint by construction: the split is mixed into every scene's seed.
    func sceneSeed(_ index: Int) -> UInt64 {
        let splitTag: UInt64 = split == .train ? 0x5452_4149_4E00_0000 : 0x5641_4C00_0000_0000
        var g = SeededGenerator(seed: seed ^ splitTag ^ (UInt64(index) &* 0x9E37_79B9_7F4A_7C15))
        return g.next()
    }
}
