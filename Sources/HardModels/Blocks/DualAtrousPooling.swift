import HardEngine
import HardNN

/// Resizes x to h x w unless it already has that size.
func resized(_ x: Tensor, _ h: Int, _ w: Int) -> Tensor {
    let (_, _, xh, xw) = x.nchw
    return xh == h && xw == w ? x : resizeBilinear(x, height: h, width: w)
}

/// "Channels are then expanded to match the final channels of the encoder through two
/// consecutive dilated convolutions": two 3x3 convolutions with dilation 2 and stride 2,
/// which also bring the 1/8 context down to the encoder's 1/32 output.
/// x: (N, Cin, H, W) -> (N, Cout, ~H/4, ~W/4)
public final class ContextExpansion: Module {
    public let first: ConvBNAct
    public let second: ConvBNAct

    public init(_ cin: Int, _ cout: Int, generator: inout SeededGenerator) {
        first = ConvBNAct(cin, cout / 2, kernel: 3, stride: 2, dilation: 2, generator: &generator)
        second = ConvBNAct(cout / 2, cout, kernel: 3, stride: 2, dilation: 2, generator: &generator)
    }

    public override func forward(_ x: Tensor) -> Tensor { second(first(x)) }
}

/// Atrous filter (Eq. 1): depth-wise 3x3 convolutions with dilation 6 and 8 in parallel
/// (Eq. 1 sums x_{i+6k} w_k per channel: no sum over channels, i.e. depth-wise), concatenated,
/// compressed by a 1x1 convolution, then expanded by `ContextExpansion`.
/// x: (N, Cin, H, W) at 1/8 -> (N, Cout, H/4, W/4) at 1/32.
public final class AtrousFilter: Module {
    public let dilated6: ConvBNAct
    public let dilated8: ConvBNAct
    public let compress: ConvBNAct
    public let expansion: ContextExpansion

    public init(_ cin: Int, mid: Int, _ cout: Int, generator: inout SeededGenerator) {
        dilated6 = ConvBNAct(cin, cin, kernel: 3, dilation: 6, groups: cin, generator: &generator)
        dilated8 = ConvBNAct(cin, cin, kernel: 3, dilation: 8, groups: cin, generator: &generator)
        compress = ConvBNAct(2 * cin, mid, kernel: 1, generator: &generator)
        expansion = ContextExpansion(mid, cout, generator: &generator)
    }

    public override func forward(_ x: Tensor) -> Tensor {
        expansion(compress(concatChannels([dilated6(x), dilated8(x)])))
    }
}

/// Pooling filter (Eqs. 2-4). Pool1 = 1x1 conv of [global average, global max] (Eq. 2's
/// p -> infinity limit is max pooling), interpolated back to the input's size; Pool2 =
/// concat(Pool1, average and max pooling with a local window, interpolated back) (Eq. 3);
/// a 1x1 convolution (Eq. 4), then `ContextExpansion` to the encoder's final width.
/// x: (N, Cin, H, W) at 1/8 -> (N, Cout, H/4, W/4) at 1/32.
public final class PoolingFilter: Module {
    public let pool1: ConvBNAct
    public let fuse: ConvBNAct
    public let expansion: ContextExpansion
    /// The local window of Pool2 (n2 in Eq. 3): DAPPM's middle level, kernel 9, stride 4.
    public let localWindow = Pool2dGeometry(kernel: 9, stride: 4, padding: 4)

    public init(_ cin: Int, mid: Int, _ cout: Int, generator: inout SeededGenerator) {
        // No batch norm on the 1x1 global map: with batch 1 it would have one value per channel.
        pool1 = ConvBNAct(2 * cin, mid, kernel: 1, batchNorm: false, generator: &generator)
        fuse = ConvBNAct(mid + 2 * cin, mid, kernel: 1, generator: &generator)
        expansion = ContextExpansion(mid, cout, generator: &generator)
    }

    public override func forward(_ x: Tensor) -> Tensor {
        let (_, _, h, w) = x.nchw
        let global = pool1(concatChannels([globalAvgPool(x), globalMaxPool(x)]))      // (N, mid, 1, 1)
        let local = [avgPool2d(x, localWindow), maxPool2d(x, localWindow)].map { resized($0, h, w) }
        let pool2 = concatChannels([resized(global, h, w)] + local)                    // (N, mid + 2Cin, H, W)
        return expansion(fuse(pool2))
    }
}

/// Dual Atrous Pooling (paper §3.1, Fig. 1): the atrous and the pooling filters applied to
/// the 1/8 feature map; their outputs are concatenated with the encoder's output and each
/// feeds an auxiliary head during training.
public final class DualAtrousPooling: Module {
    public let atrous: AtrousFilter
    public let pooling: PoolingFilter

    public init(_ cin: Int, mid: Int, _ cout: Int, generator: inout SeededGenerator) {
        atrous = AtrousFilter(cin, mid: mid, cout, generator: &generator)
        pooling = PoolingFilter(cin, mid: mid, cout, generator: &generator)
    }

    /// x: (N, Cin, H/8, W/8) -> (atrous, pooling), each (N, Cout, H/32, W/32)
    public func callAsFunction(pair x: Tensor) -> (atrous: Tensor, pooling: Tensor) {
        (atrous(x), pooling(x))
    }
}
