import HardEngine
import HardNN

/// Widths and depths of HARD-GPU.
public struct GPUConfig: Sendable, Codable, Equatable {
    public var stem: Int
    /// Encoder modules 2-5: a strided 3x3 convolution to `channels`, then `blocks`
    /// inverted bottlenecks with `expansion`.
    public var stages: [BottleneckStage]
    public var dapMid: Int
    public var saExpansion: Int
    public var saDilations: [[Int]]
    public var auxMid: Int
}

/// HARD-GPU (paper §3.3, Fig. 4).
///
/// "The HARD-GPU encoder module combines standard convolutions with the inverted bottleneck
/// ... downsampling occurs in the standard convolution ... five encoder modules, and the
/// encoding process ends when downsampling reduces the input resolution to x1/32 ... The
/// final output from the encoder performs concatenation. Then, contextual information is
/// fused by 1x1 convolution to reduce it to x1/3 of the channels. After the encoding process
/// is completed, the output is interpolated to x1/8 of the input resolution. The global
/// context is extracted through SA module, then the feature map is used as the input to the
/// classifier."
///
///     x -> e1 (1/2) -> e2 (1/4) -> e3 (1/8) -> e4 (1/16) -> e5 (1/32, Cf)
///     DAP(e3) -> atrous, pooling (1/32, Cf each)           [+ auxiliary heads in training]
///     fuse = 1x1 conv(concat(e5, atrous, pooling)): 3Cf -> Cf, bilinear to 1/8
///     SA(fuse) -> concat(SA, fuse) -> 3x3 classifier -> bilinear to (H, W)
public final class HARDGPU: HARDNetwork {
    public let stem: ConvBNAct
    public let stages: [Sequential]
    public let dap: DualAtrousPooling
    public let fuse: ConvBNAct
    public let decoder: SerializedAtrous
    public let head: SegmentationHead
    public let auxAtrous: AuxiliaryHead
    public let auxPooling: AuxiliaryHead

    public init(config: GPUConfig, classes: Int, seed: UInt64 = 0) {
        precondition(config.stages.count == 4, "HARD-GPU has four encoder modules after the stem")
        var rng = SeededGenerator(seed: seed)
        stem = ConvBNAct(3, config.stem, kernel: 3, stride: 2, generator: &rng)
        var cin = config.stem
        var stages: [Sequential] = []
        for s in config.stages {
            var layers: [Module] = [ConvBNAct(cin, s.channels, kernel: 3, stride: s.stride, generator: &rng)]
            for _ in 0..<s.blocks { layers.append(InvertedBottleneck(s.channels, s.channels, expansion: s.expansion, generator: &rng)) }
            stages.append(Sequential(layers))
            cin = s.channels
        }
        self.stages = stages
        let c8 = config.stages[1].channels, cf = config.stages[3].channels
        dap = DualAtrousPooling(c8, mid: config.dapMid, cf, generator: &rng)
        fuse = ConvBNAct(3 * cf, cf, kernel: 1, generator: &rng)
        decoder = SerializedAtrous(cf, expansion: config.saExpansion, dilations: config.saDilations, generator: &rng)
        head = SegmentationHead(2 * cf, classes: classes, generator: &rng)
        auxAtrous = AuxiliaryHead(cf, mid: config.auxMid, classes: classes, generator: &rng)
        auxPooling = AuxiliaryHead(cf, mid: config.auxMid, classes: classes, generator: &rng)
        super.init(variant: .gpu, classes: classes)
    }

    public override var trainingOnlyModules: [Module] { [auxAtrous, auxPooling] }

    public override func outputs(_ x: Tensor) -> [Tensor] {
        let (_, _, h, w) = x.nchw
        let e1 = stem(x)
        let e2 = stages[0](e1), e3 = stages[1](e2), e4 = stages[2](e3), e5 = stages[3](e4)
        let (_, _, h8, w8) = e3.nchw
        let (_, _, h32, w32) = e5.nchw
        let (a, p) = dap(pair: e3)
        let context = [a, p].map { resized($0, h32, w32) }                      // (N, Cf, H/32, W/32) each
        let fused = resized(fuse(concatChannels([e5] + context)), h8, w8)      // (N, Cf, H/8, W/8)
        let logits = head(concatChannels([decoder(fused), fused]))              // (N, classes, H/8, W/8)
        var out = [resized(logits, h, w)]
        if isTraining {
            out.append(resized(auxPooling(context[1]), h, w))
            out.append(resized(auxAtrous(context[0]), h, w))
        }
        return out
    }
}
