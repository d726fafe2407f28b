import HardEngine
import HardNN

/// Encoder pretraining: a variant's encoder, global average pooling and a 1x1 classifier.
/// The paper starts every segmentation run from an ImageNet-pretrained encoder (§4.1).
///
///     x (N,3,H,W) -> stem -> encoder blocks (S/XS/XXS/Edge) or stages (GPU) -> f (N,C,h,w)
///     f -> global average pool (N,C,1,1) -> classifier 1x1 conv + bias -> (N,classes,1,1)
///
/// The encoder's keys are the segmentation model's (`stem.*`, `encoder.<i>.*` or
/// `stages.<i>.*`), so `hard train --init-from` of this checkpoint into a segmentation run
/// loads the encoder, and reports `classifier.*` as skipped. The modules are the
/// segmentation model's own, built with the same seed, so a fresh classifier's encoder is
/// the fresh segmentation model's encoder.
public final class HARDClassifier: HARDNetwork {
    public let stem: ConvBNAct
    /// S, XS, XXS and Edge: the inverted bottlenecks (empty for GPU).
    public let encoder: [Module]
    /// HARD-GPU: its four encoder modules after the stem (empty otherwise).
    public let stages: [Module]
    public let classifier: Conv2d

    public init(variant: Variant, classes: Int, seed: UInt64 = 0) {
        let features: Int
        switch Zoo.make(variant, classes: 1, seed: seed) {
        case let gpu as HARDGPU:
            stem = gpu.stem; encoder = []; stages = gpu.stages
            features = Zoo.gpu.stages.last!.channels
        case let lite as HARDLite:
            stem = lite.stem; encoder = lite.encoder; stages = []
            features = Zoo.lite(variant).stages.last!.channels
        default:
            preconditionFailure("no encoder for \(variant)")
        }
        var rng = SeededGenerator(seed: seed ^ 0x434C_4153_5349_4659)
        classifier = Conv2d(features, classes, kernel: 1, generator: &rng)
        super.init(variant: variant, classes: classes)
    }

    public override var task: ModelTask { .classification }

    /// [(N, classes, 1, 1)] logits, in training and evaluation alike.
    public override func outputs(_ x: Tensor) -> [Tensor] {
        let f = (encoder + stages).reduce(stem(x)) { $1($0) }    // (N, C, H/8, W/8); H/32 for GPU
        return [classifier(globalAvgPool(f))]                   // (N, classes, 1, 1)
    }
}
