import HardEngine
import HardNN

/// Atrous Inverted Bottleneck, AIVB (paper §3.2, Fig. 2, Eq. 5): "two 1x1 convolutions and
/// three depth-wise separable atrous convolutions arranged in a serialized structure ...
/// three different sizes of dilated kernels for all depth-wise convolutions."
///
/// 1x1 expand (t x) -> depth-wise 3x3 dilation d1 -> d2 -> d3 -> 1x1 linear projection,
/// residual around it (shapes always match). Every tensor keeps the input's H x W.
public final class AtrousInvertedBottleneck: Module {
    public let expand: ConvBNAct
    public let atrous: [ConvBNAct]
    public let project: ConvBNAct

    public init(_ channels: Int, expansion: Int, dilations: [Int], generator: inout SeededGenerator) {
        precondition(dilations.count == 3, "AIVB takes three dilation rates, got \(dilations)")
        let hidden = channels * expansion
        expand = ConvBNAct(channels, hidden, kernel: 1, generator: &generator)
        atrous = dilations.map { d in ConvBNAct(hidden, hidden, kernel: 3, dilation: d, groups: hidden, generator: &generator) }
        project = ConvBNAct(hidden, channels, kernel: 1, activation: .none, generator: &generator)
    }

    /// x: (N, C, H, W) -> (N, C, H, W)
    public override func forward(_ x: Tensor) -> Tensor {
        let y = project(atrous.reduce(expand(x)) { $1($0) })
        return add(x, y)
    }
}

/// Serialized Atrous module, SA (paper §3.2): "repeats the AIVB module three times with
/// decreasing dilation rates to extract long-range context information". The decoder of
/// every variant. x: (N, C, H, W) -> (N, C, H, W).
public final class SerializedAtrous: Module {
    public let blocks: [AtrousInvertedBottleneck]

    /// Dilations per AIVB: three different rates inside each block, decreasing from block
    /// to block (our reading; the paper gives no numbers).
    public static let defaultDilations = [[8, 6, 4], [6, 4, 2], [4, 2, 1]]

    public init(_ channels: Int, expansion: Int, dilations: [[Int]] = SerializedAtrous.defaultDilations,
                generator: inout SeededGenerator) {
        blocks = dilations.map { AtrousInvertedBottleneck(channels, expansion: expansion, dilations: $0, generator: &generator) }
    }

    public override func forward(_ x: Tensor) -> Tensor { blocks.reduce(x) { $1($0) } }
}
