import HardData

/// The class colours of label PNGs and overlays.
public enum Palettes {
    public static let names = ["camvid", "cityscapes", "cocostuff"]

    /// The palette `name`, or by the class count when nil (19: Cityscapes, 171: COCO-Stuff,
    /// else CamVid's); an error when it has fewer colours than `classes`.
    public static func colors(named name: String?, classes: Int) throws -> [RGBColor] {
        let chosen = name ?? (classes == 19 ? "cityscapes" : classes == 171 ? "cocostuff" : "camvid")
        let colors: [RGBColor]
        switch chosen {
        case "cityscapes": colors = CityscapesDataset.palette
        case "cocostuff": colors = CocoStuff10kDataset.palette
        case "camvid": colors = SynthStreets.palette
        default: throw ConfigError("unknown palette '\(chosen)'; one of \(names.joined(separator: ", "))")
        }
        guard colors.count >= classes else {
            throw ConfigError("the \(chosen) palette has \(colors.count) colours for \(classes) classes; pass --palette")
        }
        return colors
    }
}
