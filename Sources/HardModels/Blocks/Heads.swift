import HardEngine
import HardNN

/// The classifier: concat(SA output, SA input) -> 3x3 convolution to the classes, at 1/8.
/// "after the SA module is performed, the feature map is concatenated with the previous
/// feature map and a classifier is performed" (§3.2). A 3x3 kernel is our reading of the
/// paper's FLOPs: going from 19 to 171 classes adds about 1,000 MACs per class per 1/8
/// position for every lightweight variant (Tables 1 and 3), i.e. 9 x ~110 input channels.
public final class SegmentationHead: Module {
    public let classifier: Conv2d

    public init(_ cin: Int, classes: Int, generator: inout SeededGenerator) {
        classifier = Conv2d(cin, classes, kernel: 3, generator: &generator)
    }

    /// x: (N, Cin, h, w) -> (N, classes, h, w)
    public override func forward(_ x: Tensor) -> Tensor { classifier(x) }
}

/// Auxiliary head for the extra semantic loss (§3.4, Eq. 7), training only:
/// 3x3 ConvBNAct -> 1x1 convolution to the classes.
public final class AuxiliaryHead: Module {
    public let conv: ConvBNAct
    public let classifier: Conv2d

    public init(_ cin: Int, mid: Int, classes: Int, generator: inout SeededGenerator) {
        conv = ConvBNAct(cin, mid, kernel: 3, generator: &generator)
        classifier = Conv2d(mid, classes, kernel: 1, generator: &generator)
    }

    public override func forward(_ x: Tensor) -> Tensor { classifier(conv(x)) }
}
