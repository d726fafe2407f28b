/// What an op did, as a graph node: its kind with parameters, its input tensors (in order)
/// and its output. Exporters (ONNX) record a forward pass through this hook.
public enum GraphOp: Sendable {
    case conv2d(Conv2dGeometry)
    case batchNorm(eps: Float)
    case relu
    case relu6
    case add
    case scale(Float)
    case concatChannels
    case sliceChannels(start: Int, count: Int)
    case resizeBilinear(height: Int, width: Int)
    case pool(PoolKind, Pool2dGeometry)
    case globalPool(PoolKind)
    case reshape([Int])
}

public struct GraphEvent {
    public let op: GraphOp
    public let inputs: [Tensor]
    public let output: Tensor
}

public enum GraphTrace {
    /// Set while an exporter traces a forward pass; nil otherwise.
    nonisolated(unsafe) public static var recorder: ((GraphEvent) -> Void)? = nil

    @inline(__always)
    static func record(_ op: GraphOp, _ inputs: [Tensor], _ output: Tensor) {
        guard let recorder else { return }
        recorder(GraphEvent(op: op, inputs: inputs, output: output))
    }
}
