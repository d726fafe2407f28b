import HardEngine
import HardNN

/// The five variants' widths and depths, and the one place that builds them.
/// The numbers are calibrated against the paper's parameter and MAC counts;
/// docs/architecture.md explains each choice.
public enum Zoo {
    public static let gpu = GPUConfig(
        stem: 32,
        stages: [BottleneckStage(48, blocks: 2, stride: 2, expansion: 4),
                 BottleneckStage(96, blocks: 3, stride: 2, expansion: 4),
                 BottleneckStage(128, blocks: 4, stride: 2, expansion: 4),
                 BottleneckStage(192, blocks: 3, stride: 2, expansion: 6)],
        dapMid: 64, saExpansion: 2, saDilations: SerializedAtrous.defaultDilations, auxMid: 64)

    /// SA dilations for HARD-Edge's 8x8 feature map (64x64 input): the defaults would reach
    /// past the map; three different rates per block, decreasing from block to block.
    public static let edgeDilations = [[5, 3, 2], [4, 2, 1], [3, 2, 1]]

    public static func lite(_ v: Variant) -> LiteConfig {
        switch v {
        case .s:
            return LiteConfig(stem: 32, stages: [BottleneckStage(24, blocks: 1, stride: 1, expansion: 1),
                                                 BottleneckStage(24, blocks: 2, stride: 2, expansion: 6),
                                                 BottleneckStage(80, blocks: 6, stride: 2, expansion: 6)],
                              saExpansion: 6, saDilations: SerializedAtrous.defaultDilations)
        case .xs:
            return LiteConfig(stem: 24, stages: [BottleneckStage(16, blocks: 1, stride: 1, expansion: 1),
                                                 BottleneckStage(48, blocks: 2, stride: 2, expansion: 4),
                                                 BottleneckStage(56, blocks: 6, stride: 2, expansion: 6)],
                              saExpansion: 4, saDilations: SerializedAtrous.defaultDilations)
        case .xxs:
            return LiteConfig(stem: 32, stages: [BottleneckStage(24, blocks: 1, stride: 1, expansion: 1),
                                                 BottleneckStage(32, blocks: 3, stride: 2, expansion: 4),
                                                 BottleneckStage(40, blocks: 2, stride: 2, expansion: 4)],
                              saExpansion: 3, saDilations: SerializedAtrous.defaultDilations)
        case .edge:
            return LiteConfig(stem: 16, stages: [BottleneckStage(16, blocks: 1, stride: 2, expansion: 2),
                                                 BottleneckStage(48, blocks: 2, stride: 2, expansion: 3)],
                              saExpansion: 4, saDilations: edgeDilations)
        case .gpu:
            preconditionFailure("HARD-GPU has a GPUConfig")
        }
    }

    /// A named resize of a variant: `--model`/`model:` accept its name, and its checkpoints
    /// record the variant with the architecture (`CheckpointInfo.architecture`).
    public struct NamedModel: Sendable {
        public let name: String
        public let variant: Variant
        public let architecture: LiteConfig
        public let about: String
    }

    /// HARD-Edge sized by `hard mcu fit` to the paper's 30.1 ms at 216 MHz (64x64) by the
    /// Cortex-M7 cycle model with 20% headroom for what the model ignores (docs/microcontroller.md,
    /// "Sizing to a budget"). `hard mcu fit --budget-ms 24.1`'s pick of 18 candidates
    /// (2026-12-04): widths x0.75, one block in the last stage, one SA block (the middle
    /// rates): 26,147 parameters, 2.62M MACs, 21.4 ms by the cycle model, the best int8 mIoU
    /// of the three largest within budget (and the pick at 30.1 ms with the earlier kernels).
    public static let edgeRT = LiteConfig(
        stem: 12, stages: [BottleneckStage(12, blocks: 1, stride: 2, expansion: 2),
                           BottleneckStage(36, blocks: 1, stride: 2, expansion: 3)],
        saExpansion: 4, saDilations: [[4, 2, 1]])

    public static let namedModels = [
        NamedModel(name: "hard-edge-rt", variant: .edge, architecture: edgeRT,
                   about: "HARD-Edge sized by hard mcu fit to 30.1 ms at 216 MHz on the Cortex-M7 (64x64)"),
    ]

    /// Every model name `--model` takes: the variants, then the named resizes.
    public static var modelNames: [String] { Variant.allCases.map(\.rawValue) + namedModels.map(\.name) }

    /// The variant and architecture (nil: the variant's own) a model name means; "hard-xxs",
    /// "xxs", "HARD-XXS", "hard-edge-rt", "edge-rt" all parse.
    public static func resolve(_ name: String) -> (variant: Variant, architecture: LiteConfig?)? {
        if let v = Variant(name: name) { return (v, nil) }
        let n = name.lowercased()
        guard let m = namedModels.first(where: { $0.name == n || $0.name == "hard-" + n }) else { return nil }
        return (m.variant, m.architecture)
    }

    /// Class counts `hard` accepts anywhere (flags, configs, checkpoints). Label maps are
    /// 8-bit (PNG masks, `LabelMap`) with 255 as the ignore index, so 255 classes is the most
    /// a prediction can name; the field's sets fit (COCO-Stuff 171, ADE20K 150, Cityscapes 19).
    /// A damaged count of 10^7 would ask for a classifier of gigabytes and is refused instead.
    public static let classRange = 1...255

    /// Image classes a pretraining classifier accepts: ImageNet-1k and -21k fit (a class
    /// travels as an Int32, not in a label map).
    public static let classificationClassRange = 1...100_000

    public static func classRange(for task: ModelTask) -> ClosedRange<Int> {
        task == .segmentation ? classRange : classificationClassRange
    }

    /// Builds a variant with freshly initialised (seeded) weights.
    /// `architecture` resizes a single-branch variant (nil: its own widths and depths); it
    /// must be valid (`LiteConfig.problem` nil) and HARD-GPU takes none.
    public static func make(_ v: Variant, classes: Int, seed: UInt64 = 0, architecture: LiteConfig? = nil) -> HARDNetwork {
        precondition(classRange.contains(classes), "\(classes) classes is outside \(classRange); validate before building")
        precondition(architecture?.problem == nil, "invalid architecture: validate before building")
        switch v {
        case .gpu:
            precondition(architecture == nil, "HARD-GPU takes no LiteConfig")
            return HARDGPU(config: gpu, classes: classes, seed: seed)
        default: return HARDLite(variant: v, config: architecture ?? lite(v), classes: classes, seed: seed)
        }
    }

    /// The architecture a checkpoint of `model` records: its LiteConfig when it was resized,
    /// nil for a variant as the zoo builds it.
    public static func recordedArchitecture(_ model: HARDNetwork) -> LiteConfig? {
        guard let lite = model as? HARDLite, lite.config != Zoo.lite(model.variant) else { return nil }
        return lite.config
    }

    /// What reports call the model: the variant as published ("hard-edge"), a named resize
    /// ("hard-edge-rt"), or another resize as "<variant>-resized" (its architecture is in the
    /// checkpoint).
    public static func name(of model: HARDNetwork) -> String {
        guard let a = recordedArchitecture(model) else { return model.variant.rawValue }
        if let named = namedModels.first(where: { $0.variant == model.variant && $0.architecture == a }) { return named.name }
        return model.variant.rawValue + "-resized"
    }

    /// Builds a variant for a task: the segmentation network, or its encoder with a
    /// classification head (`HARDClassifier`, for pretraining).
    public static func make(_ v: Variant, classes: Int, seed: UInt64 = 0, task: ModelTask) -> HARDNetwork {
        switch task {
        case .segmentation: return make(v, classes: classes, seed: seed)
        case .classification:
            precondition(classificationClassRange.contains(classes), "\(classes) classes is outside \(classificationClassRange); validate before building")
            return HARDClassifier(variant: v, classes: classes, seed: seed)
        }
    }
}
