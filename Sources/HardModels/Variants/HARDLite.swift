import HardEngine
import HardNN

/// One encoder stage: `blocks` inverted bottlenecks, the first with `stride`.
public struct BottleneckStage: Sendable, Codable, Equatable {
    public var channels: Int
    public var blocks: Int
    public var stride: Int
    public var expansion: Int

    public init(_ channels: Int, blocks: Int, stride: Int, expansion: Int) {
        self.channels = channels; self.blocks = blocks; self.stride = stride; self.expansion = expansion
    }
}

/// Widths and depths of a single-branch variant (S, XS, XXS, Edge). A checkpoint or a
/// training config may carry one (`architecture`) to resize a variant: `hard mcu fit` sizes
/// HARD-Edge to a latency budget this way. Keys in files: stem, stages (channels, blocks,
/// stride, expansion), sa_expansion, sa_dilations (three rates per SA block).
public struct LiteConfig: Sendable, Codable, Equatable {
    public var stem: Int
    public var stages: [BottleneckStage]
    public var saExpansion: Int
    public var saDilations: [[Int]]

    public init(stem: Int, stages: [BottleneckStage], saExpansion: Int, saDilations: [[Int]]) {
        self.stem = stem; self.stages = stages; self.saExpansion = saExpansion; self.saDilations = saDilations
    }

    enum CodingKeys: String, CodingKey {
        case stem, stages, saExpansion = "sa_expansion", saDilations = "sa_dilations"
    }

    /// What makes the config unbuildable (or absurdly large, as a damaged file could ask),
    /// nil when it is fine.
    public var problem: String? {
        func outside(_ v: Int, _ r: ClosedRange<Int>, _ what: String) -> String? {
            r.contains(v) ? nil : "\(what) is \(v), outside \(r.lowerBound)...\(r.upperBound)"
        }
        if let p = outside(stem, 1...512, "'stem'") { return p }
        if let p = outside(stages.count, 1...8, "the number of 'stages'") { return p }
        for (i, s) in stages.enumerated() {
            if let p = outside(s.channels, 1...1024, "stage \(i) 'channels'") ?? outside(s.blocks, 1...16, "stage \(i) 'blocks'")
                ?? outside(s.expansion, 1...8, "stage \(i) 'expansion'") { return p }
            if s.stride != 1 && s.stride != 2 { return "stage \(i) 'stride' is \(s.stride), not 1 or 2" }
        }
        if let p = outside(saExpansion, 1...8, "'sa_expansion'") ?? outside(saDilations.count, 1...6, "the number of SA blocks ('sa_dilations')") {
            return p
        }
        for (i, d) in saDilations.enumerated() {
            if d.count != 3 { return "SA block \(i) has \(d.count) dilation rates, not 3" }
            if let bad = d.first(where: { !(1...64).contains($0) }) { return "SA block \(i) dilation \(bad) is outside 1...64" }
        }
        return nil
    }
}

/// HARD-S, XS, XXS (paper §3.3, Fig. 5 top) and HARD-Edge (Fig. 5 bottom).
///
/// "the HARD-S, XS, XXS models down-sample the input to x1/8 size using an inverted
/// bottleneck encoder for real-time inference, and the decoding process is performed in
/// the SA module." HARD-Edge "employs two downsampling followed by a single interpolation
/// to produce a feature map with the original resolution".
///
///     x (N,3,H,W) -> stem 3x3 s2 -> inverted-bottleneck stages -> f (N,C,H/8,W/8)   [H/4 for Edge]
///     f -> SA -> concat(SA(f), f) -> 3x3 classifier -> bilinear to (H, W)
public final class HARDLite: HARDNetwork {
    public let stem: ConvBNAct
    public let encoder: [InvertedBottleneck]
    public let decoder: SerializedAtrous
    public let head: SegmentationHead
    /// The widths and depths it was built with (`Zoo.lite(variant)` unless resized).
    public let config: LiteConfig

    public init(variant: Variant, config: LiteConfig, classes: Int, seed: UInt64 = 0) {
        self.config = config
        var rng = SeededGenerator(seed: seed)
        stem = ConvBNAct(3, config.stem, kernel: 3, stride: 2, generator: &rng)
        var blocks: [InvertedBottleneck] = []
        var cin = config.stem
        for stage in config.stages {
            for i in 0..<stage.blocks {
                blocks.append(InvertedBottleneck(cin, stage.channels, stride: i == 0 ? stage.stride : 1,
                                                 expansion: stage.expansion, generator: &rng))
                cin = stage.channels
            }
        }
        encoder = blocks
        decoder = SerializedAtrous(cin, expansion: config.saExpansion, dilations: config.saDilations, generator: &rng)
        head = SegmentationHead(2 * cin, classes: classes, generator: &rng)
        super.init(variant: variant, classes: classes)
    }

    public override func outputs(_ x: Tensor) -> [Tensor] {
        let (_, _, h, w) = x.nchw
        let f = encoder.reduce(stem(x)) { $1($0) }           // (N, C, H/8, W/8)
        let logits = head(concatChannels([decoder(f), f]))    // (N, classes, H/8, W/8)
        return [resized(logits, h, w)]                        // (N, classes, H, W)
    }
}
