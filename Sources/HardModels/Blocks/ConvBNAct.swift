import HardEngine
import HardNN

/// The activation after a convolution + batch norm.
public enum ActivationKind: String, Sendable, Codable {
    case relu6, relu, none
}

/// Convolution (no bias) -> BatchNorm -> activation: the unit every HARD block is built
/// from. For deployment the BN is folded into the convolution in the traced graph
/// (`Graph.foldingBatchNorms`), never in the model.
public final class ConvBNAct: Module {
    public let conv: Conv2d
    public let bn: BatchNorm2d?
    public let activation: ActivationKind

    public init(_ cin: Int, _ cout: Int, kernel: Int = 1, stride: Int = 1, dilation: Int = 1, groups: Int = 1,
                activation: ActivationKind = .relu6, batchNorm: Bool = true, generator: inout SeededGenerator) {
        // Without a batch norm the convolution carries a bias instead.
        conv = Conv2d(cin, cout, kernel: kernel, stride: stride, dilation: dilation, groups: groups, bias: !batchNorm, generator: &generator)
        bn = batchNorm ? BatchNorm2d(cout) : nil
        self.activation = activation
    }

    /// x: (N, Cin, H, W) -> (N, Cout, H', W')
    public override func forward(_ x: Tensor) -> Tensor {
        if bn == nil {
            // BN-free: convolution and activation in one kernel where possible.
            let fused: FusedActivation = activation == .relu6 ? .relu6 : activation == .relu ? .relu : .none
            return conv2d(x, weight: conv.weight, bias: conv.bias, geometry: conv.geometry, activation: fused)
        }
        var y = conv(x)
        if let bn { y = bn(y) }
        switch activation {
        case .relu6: return relu6(y)
        case .relu: return relu(y)
        case .none: return y
        }
    }
}
