import HardEngine
import HardNN

/// The activation after a convolution + batch norm.
public enum ActivationKind: String, Sendable, Codable {
    case relu6, relu, none
}

/// Convolution (no bias) -> BatchNorm -> activation: the unit every HARD block is built
/// from. After `foldBatchNorm()` the BN is merged into the convolution's weight and bias
/// (inference only).
public final class ConvBNAct: Module {
    public internal(set) var conv: Conv2d
    public internal(set) var bn: BatchNorm2d?
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
            // Folded (or BN-free): convolution and activation in one kernel where possible.
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

    /// Merges the BN (running statistics) into the convolution:
    /// w' = w * gamma / sqrt(var + eps), b' = beta - mean * gamma / sqrt(var + eps).
    public func foldBatchNorm() {
        guard let bn else { return }
        let c = conv
        let cout = c.outChannels
        let perChannel = c.weight.count / cout
        let w = c.weight.copy(), b = Tensor.zeros([cout])
        for o in 0..<cout {
            let scale = bn.weight.pointer[o] / (bn.runningVar.pointer[o] + bn.eps).squareRoot()
            for k in 0..<perChannel { w.pointer[o * perChannel + k] *= scale }
            b.pointer[o] = (c.bias?.pointer[o] ?? 0) * scale + bn.bias.pointer[o] - bn.runningMean.pointer[o] * scale
        }
        conv = Conv2d(weight: w, bias: b, geometry: c.geometry)
        self.bn = nil
    }
}
