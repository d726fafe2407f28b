/// The five HARD variants, with what the paper reports for each (Tables 1-3, 5, 7).
public enum Variant: String, CaseIterable, Sendable, Codable {
    case gpu = "hard-gpu"
    case s = "hard-s"
    case xs = "hard-xs"
    case xxs = "hard-xxs"
    case edge = "hard-edge"

    /// The resolution and class count at which the paper reports the variant.
    public var paperSetting: (height: Int, width: Int, classes: Int) {
        switch self {
        case .gpu: return (512, 1024, 19)
        case .s, .xs, .xxs: return (360, 640, 19)
        case .edge: return (64, 64, 11)
        }
    }

    /// Parameters the paper reports.
    public var paperParameters: Int {
        switch self {
        case .gpu: return 3_900_000
        case .s: return 760_000
        case .xs: return 390_000
        case .xxs, .edge: return 110_000
        }
    }

    /// "FLOPs" the paper reports at `paperSetting`, read as MACs (nil: not reported).
    public var paperMACs: Int? {
        switch self {
        case .gpu: return 11_500_000_000
        case .s: return 3_240_000_000
        case .xs: return 1_930_000_000
        case .xxs: return 930_000_000
        case .edge: return nil
        }
    }

    /// Total downsampling of the encoder (input sizes need not be multiples of it).
    public var outputStride: Int {
        switch self {
        case .gpu: return 32
        case .s, .xs, .xxs, .edge: return 8   // Edge: stem + two downsampling stages (docs/architecture.md)
        }
    }

    /// Parses "hard-xxs", "xxs", "HARD-XXS".
    public init?(name: String) {
        let n = name.lowercased()
        guard let v = Variant(rawValue: n) ?? Variant(rawValue: "hard-" + n) else { return nil }
        self = v
    }
}
