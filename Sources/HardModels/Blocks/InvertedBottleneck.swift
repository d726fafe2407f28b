import HardEngine
import HardNN

/// MobileNetV2's inverted residual (Sandler et al. 2018), the encoder unit of every HARD
/// variant: 1x1 expand (t x) -> depth-wise 3x3 (stride s) -> 1x1 linear projection, with
/// a residual connection when the shapes allow (s = 1, Cin = Cout).
public final class InvertedBottleneck: Module {
    public let expand: ConvBNAct?
    public let depthwise: ConvBNAct
    public let project: ConvBNAct
    public let useResidual: Bool

    public init(_ cin: Int, _ cout: Int, stride: Int = 1, expansion: Int, generator: inout SeededGenerator) {
        let hidden = cin * expansion
        expand = expansion == 1 ? nil : ConvBNAct(cin, hidden, kernel: 1, generator: &generator)
        depthwise = ConvBNAct(hidden, hidden, kernel: 3, stride: stride, groups: hidden, generator: &generator)
        project = ConvBNAct(hidden, cout, kernel: 1, activation: .none, generator: &generator)
        useResidual = stride == 1 && cin == cout
    }

    /// x: (N, Cin, H, W) -> (N, Cout, H/s, W/s)
    public override func forward(_ x: Tensor) -> Tensor {
        var y = expand.map { $0(x) } ?? x
        y = project(depthwise(y))
        return useResidual ? add(x, y) : y
    }
}
