// Tracing: the model's own forward pass, run once on placeholders.
//
// While a trace runs, every traceable op (convolution, batch norm, ReLU/ReLU6, add, concat,
// slice, scale, reshape, bilinear resize, pools) checks its shapes as always, then, instead of
// computing, records itself as a node and returns a placeholder of its output shape: a tensor
// with a shape and no elements. So a trace costs the graph's bookkeeping and nothing per pixel:
// HARD-GPU at 1024x2048 traces in the memory of its weights. An op that does not trace itself
// and reads a placeholder stops the program with a message (TensorStorage.pointer): that is a
// model using an op the deploy path does not know, caught on the first trace.

/// Why a trace failed: a model that reads a tensor no traced op wrote, or writes nothing.
public struct GraphError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }

    public init(_ message: String) { self.message = message }
}

public enum GraphTrace {
    /// The trace in progress; nil otherwise (ops then compute).
    nonisolated(unsafe) static var tracer: GraphTracer? = nil

    /// True while a graph is traced.
    public static var isTracing: Bool { tracer != nil }

    /// While a graph is traced: records `op` reading `inputs` and returns its placeholder
    /// output of `shape`. Otherwise nil, and the op computes as usual.
    @inline(__always)
    static func intercept(_ op: @autoclosure () -> GraphOp, _ inputs: [Tensor], shape: [Int]) -> Tensor? {
        guard let tracer else { return nil }
        return tracer.record(op(), inputs, shape: shape)
    }
}

/// Builds the graph while the forward pass runs: tensors are known by identity, and every
/// tensor it has seen is kept alive so that no identifier is reused during the trace.
final class GraphTracer {
    private var ids: [ObjectIdentifier: Int] = [:]
    private var kept: [Tensor] = []
    private(set) var shapes: [[Int]] = []
    private(set) var nodes: [Graph.Node] = []
    private(set) var failure: String?
    private let names: [ObjectIdentifier: String]

    init(input: Tensor, parameterNames: [ObjectIdentifier: String]) {
        names = parameterNames
        ids[ObjectIdentifier(input)] = 0
        kept.append(input)
        shapes.append(input.shape)
    }

    func value(of t: Tensor) -> Int? { ids[ObjectIdentifier(t)] }

    func record(_ op: GraphOp, _ inputs: [Tensor], shape: [Int]) -> Tensor {
        var op = op
        if case .convolution(var c) = op {
            c.weightName = c.weightName ?? names[ObjectIdentifier(c.weight)]
            c.biasName = c.biasName ?? c.bias.flatMap { names[ObjectIdentifier($0)] }
            op = .convolution(c)
        }
        var ins: [Int] = []
        for t in inputs {
            if let v = ids[ObjectIdentifier(t)] {
                ins.append(v)
            } else {
                if failure == nil {
                    failure = "the \(op.name) reads a tensor of shape \(t.shape) that no traced op wrote (a constant made inside forward, or an input other than the model's)"
                }
                ins.append(0)
            }
        }
        let y = Tensor(shape: shape, storage: TensorStorage(placeholderFor: shape.reduce(1, *)))
        ids[ObjectIdentifier(y)] = shapes.count
        kept.append(y)
        nodes.append(Graph.Node(op, inputs: ins, output: shapes.count))
        shapes.append(shape)
        return y
    }
}

extension Graph {
    /// Traces `forward` (the model in eval mode) on an input of `inputShape` ((1, 3, H, W)).
    /// `parameterNames` names parameter tensors (the model's state-dict keys) so exporters
    /// can name them. The parameters are referenced, not copied; nothing of size H x W is
    /// allocated.
    public static func trace(inputShape: [Int], parameterNames: [(String, Tensor)] = [],
                             _ forward: (Tensor) -> Tensor) throws -> Graph {
        precondition(GraphTrace.tracer == nil, "Graph.trace is not reentrant")
        guard inputShape.count == 4, inputShape[0] == 1, inputShape.allSatisfy({ $0 > 0 }) else {
            throw GraphError("a graph is traced at batch 1 on an (1, C, H, W) input, got \(inputShape)")
        }
        var names: [ObjectIdentifier: String] = [:]
        for (key, t) in parameterNames where names[ObjectIdentifier(t)] == nil { names[ObjectIdentifier(t)] = key }
        let x = Tensor(shape: inputShape, storage: TensorStorage(placeholderFor: inputShape.reduce(1, *)))
        let tracer = GraphTracer(input: x, parameterNames: names)
        GraphTrace.tracer = tracer
        let y = withNoGrad {
            defer { GraphTrace.tracer = nil }
            return forward(x)
        }
        if let failure = tracer.failure { throw GraphError("tracing: \(failure)") }
        guard let out = tracer.value(of: y), out != 0 else {
            throw GraphError("tracing: the model's output is its input, or was not written by a traced op")
        }
        withExtendedLifetime(tracer) {}
        return Graph(shapes: tracer.shapes, nodes: tracer.nodes, output: out)
    }
}
