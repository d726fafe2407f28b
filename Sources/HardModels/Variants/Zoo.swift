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
    public static func make(_ v: Variant, classes: Int, seed: UInt64 = 0) -> HARDNetwork {
        precondition(classRange.contains(classes), "\(classes) classes is outside \(classRange); validate before building")
        switch v {
        case .gpu: return HARDGPU(config: gpu, classes: classes, seed: seed)
        default: return HARDLite(variant: v, config: lite(v), classes: classes, seed: seed)
        }
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
