/// A hook through which every op reports its arithmetic cost while a complexity count
/// runs (`HardNN.Complexity`). Costs are multiply-accumulates (MACs):
///
/// | op | MACs |
/// | --- | --- |
/// | conv2d | N·Cout·OH·OW·(Cin/groups)·kH·kW (bias adds not counted) |
/// | batch norm | one per element (a scale and a shift, foldable into the conv) |
/// | add, scale | one per element |
/// | bilinear resize | four per output element (four weighted taps) |
/// | pooling | one per window tap per output element; global pooling one per input element |
/// | ReLU, ReLU6, concat, slice, reshape | none (no arithmetic) |
/// | sum, mean | one per element |
/// | cross-entropy | not counted (training only) |
public enum OpTrace {
    /// One op as it ran.
    public struct Event: Sendable {
        public let op: String
        public let macs: Int
        public let outputShape: [Int]
    }

    /// Set by a complexity count; nil otherwise (ops then skip reporting).
    nonisolated(unsafe) public static var recorder: ((Event) -> Void)? = nil

    @inline(__always)
    static func record(_ op: String, macs: Int, output: Tensor) {
        guard let recorder else { return }
        recorder(Event(op: op, macs: macs, outputShape: output.shape))
    }
}
