import Foundation
import HardEngine

/// SynthStreets written out as a folder dataset (`FolderDataset`'s layout), for tools that
/// read images from disk rather than render them: the PyTorch trainer (`hard_torch.train`)
/// and anyone who wants to look at the scenes.
///
///     <root>/classes.json                      CamVid's 11 classes and palette
///     <root>/<split>/images/000000.png ...     RGB
///     <root>/<split>/masks/000000.png ...      8-bit gray class indices (255 ignore)
///     <root>/synthstreets.json                 the settings, so a reader can tell the folder is current
///
/// Sample i of each split is exactly `SynthStreets(split:...).sample(i)`: a `FolderDataset`
/// over the folder yields the same pixels and labels (PNG is lossless).
public enum SynthStreetsFolder {
    /// What a folder was rendered with; `synthstreets.json`.
    public struct Settings: Codable, Equatable, Sendable {
        public var trainImages: Int
        public var valImages: Int
        public var width: Int
        public var height: Int
        public var seed: UInt64

        public init(trainImages: Int, valImages: Int, width: Int, height: Int, seed: UInt64) {
            self.trainImages = trainImages; self.valImages = valImages
            self.width = width; self.height = height; self.seed = seed
        }

        enum CodingKeys: String, CodingKey {
            case width, height, seed
            case trainImages = "train_images", valImages = "val_images"
        }
    }

    /// The settings file of a rendered folder.
    public static func settingsPath(in root: String) -> String { (root as NSString).appendingPathComponent("synthstreets.json") }

    /// Renders both splits into `root` (created if needed). Every file is written atomically,
    /// and the settings file last, so a folder with a settings file is complete. `progress`
    /// sees (images written, total).
    public static func write(_ settings: Settings, to root: String, progress: (Int, Int) -> Void = { _, _ in }) throws {
        let fm = FileManager.default
        let classes: [[String: Any]] = zip(SynthStreets.classNames, SynthStreets.palette).map { name, c in
            ["name": name, "color": [Int(c.r), Int(c.g), Int(c.b)]]
        }
        try Folder.create(root)
        // An older settings file must not vouch for a folder half rewritten with new ones.
        try? fm.removeItem(atPath: settingsPath(in: root))
        try AtomicFile.write(try JSONSerialization.data(withJSONObject: ["classes": classes], options: [.sortedKeys, .prettyPrinted]),
                             to: (root as NSString).appendingPathComponent("classes.json"))
        let total = settings.trainImages + settings.valImages
        var done = 0
        for (split, count) in [(SynthStreets.Split.train, settings.trainImages), (.val, settings.valImages)] {
            let base = (root as NSString).appendingPathComponent(split.rawValue)
            let images = (base as NSString).appendingPathComponent("images"), masks = (base as NSString).appendingPathComponent("masks")
            try Folder.create(images)
            try Folder.create(masks)
            let set = SynthStreets(split: split, count: count, width: settings.width, height: settings.height, seed: settings.seed)
            for i in 0..<count {
                let (image, labels) = set.sample(i)
                let name = String(format: "%06d.png", i)
                try ImageFile.writePNG(image, to: (images as NSString).appendingPathComponent(name))
                try ImageFile.writeLabelPNG(labels, to: (masks as NSString).appendingPathComponent(name))
                done += 1
                progress(done, total)
            }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        try AtomicFile.write(try encoder.encode(settings), to: settingsPath(in: root))
    }

    /// The settings of a complete rendered folder, or nil (none, or unreadable).
    public static func settings(in root: String) -> Settings? {
        guard let data = try? FileContents.read(settingsPath(in: root)) else { return nil }
        return try? JSONDecoder().decode(Settings.self, from: data)
    }
}
