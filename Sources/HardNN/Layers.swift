import HardEngine

/// 2-D convolution, PyTorch's `nn.Conv2d`: weight (Cout, Cin/groups, k, k), optional bias,
/// both initialised as PyTorch does (Kaiming uniform with a = sqrt(5), bias U(±1/sqrt(fanIn))).
public final class Conv2d: Module {
    public let weight: Tensor
    public let bias: Tensor?
    public let geometry: Conv2dGeometry

    public init(_ inChannels: Int, _ outChannels: Int, kernel: Int, stride: Int = 1, padding: Int? = nil,
                dilation: Int = 1, groups: Int = 1, bias: Bool = true, generator: inout SeededGenerator) {
        precondition(inChannels % groups == 0 && outChannels % groups == 0,
                     "Conv2d: \(inChannels) -> \(outChannels) channels do not divide into \(groups) groups")
        let fanIn = inChannels / groups * kernel * kernel
        weight = Tensor.kaimingUniform([outChannels, inChannels / groups, kernel, kernel], fanIn: fanIn, generator: &generator)
        let bound = 1 / Float(fanIn).squareRoot()
        self.bias = bias ? Tensor.uniform([outChannels], low: -bound, high: bound, generator: &generator, requiresGrad: true) : nil
        // Default padding keeps the size at stride 1: "same" for odd kernels, dilation included.
        geometry = Conv2dGeometry(stride: stride, padding: padding ?? dilation * (kernel - 1) / 2, dilation: dilation, groups: groups)
    }

    /// A convolution with given weight (Cout, Cin/groups, kH, kW) and bias (made trainable).
    public init(weight: Tensor, bias: Tensor?, geometry: Conv2dGeometry) {
        weight.requiresGrad = true
        bias?.requiresGrad = true
        self.weight = weight
        self.bias = bias
        self.geometry = geometry
    }

    public override func forward(_ x: Tensor) -> Tensor {
        conv2d(x, weight: weight, bias: bias, geometry: geometry)
    }

    public var inChannels: Int { weight.shape[1] * geometry.groups }
    public var outChannels: Int { weight.shape[0] }
    public var kernelSize: Int { weight.shape[2] }
}

/// Batch normalisation over channels, PyTorch's `nn.BatchNorm2d` (momentum 0.1, eps 1e-5).
public final class BatchNorm2d: Module {
    public let weight: Tensor
    public let bias: Tensor
    public let runningMean: Tensor
    public let runningVar: Tensor
    public let momentum: Float
    public let eps: Float

    public init(_ channels: Int, momentum: Float = 0.1, eps: Float = 1e-5) {
        weight = Tensor.ones([channels], requiresGrad: true)
        bias = Tensor.zeros([channels], requiresGrad: true)
        runningMean = Tensor.zeros([channels])
        runningVar = Tensor.ones([channels])
        self.momentum = momentum
        self.eps = eps
    }

    public override func forward(_ x: Tensor) -> Tensor {
        batchNorm(x, gamma: weight, beta: bias, runningMean: runningMean, runningVar: runningVar,
                  training: isTraining, momentum: momentum, eps: eps)
    }
}

/// max(x, 0).
public final class ReLU: Module {
    public override func forward(_ x: Tensor) -> Tensor { relu(x) }
}

/// min(max(x, 0), 6), MobileNetV2's activation.
public final class ReLU6: Module {
    public override func forward(_ x: Tensor) -> Tensor { relu6(x) }
}

/// Max or average pooling with a fixed window.
public final class Pool2d: Module {
    public let kind: PoolKind
    public let geometry: Pool2dGeometry

    public init(_ kind: PoolKind, kernel: Int, stride: Int? = nil, padding: Int = 0) {
        self.kind = kind
        geometry = Pool2dGeometry(kernel: kernel, stride: stride, padding: padding)
    }

    public override func forward(_ x: Tensor) -> Tensor {
        kind == .max ? maxPool2d(x, geometry) : avgPool2d(x, geometry)
    }
}

/// Bilinear upsampling (align_corners = false) by an integer factor.
public final class Upsample: Module {
    public let factor: Int

    public init(factor: Int) { self.factor = factor }

    public override func forward(_ x: Tensor) -> Tensor {
        let (_, _, h, w) = x.nchw
        return resizeBilinear(x, height: h * factor, width: w * factor)
    }
}

/// Children applied in order.
public final class Sequential: Module {
    public let layers: [Module]

    public init(_ layers: [Module]) { self.layers = layers }

    public override func forward(_ x: Tensor) -> Tensor {
        layers.reduce(x) { $1($0) }
    }
}
