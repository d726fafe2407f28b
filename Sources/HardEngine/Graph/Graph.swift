// The one inference graph of the project: what a model's forward pass is, as data.
//
//   model --trace--> Graph --passes--> Graph --> consumers
//                    (GraphTrace)      (Graph/Passes)   ONNX export, the fast plan
//                                                       (BlockedInference), the int8
//                                                       quantizer, the float replay
//
// Values are numbered: value 0 is the input (1, 3, H, W); every node writes one new value;
// nodes are in execution order, so a node reads only values written before it. Shapes are
// NCHW. Parameters are the model's own tensors (never copied by the trace); a pass that
// changes them (folding batch norms) makes new tensors, so the model is never touched.

/// One inference graph (batch 1, NCHW, float32).
public struct Graph {
    public struct Node {
        public var op: GraphOp
        /// Values read, in the op's order (a convolution with a fused residual: [x, residual]).
        public var inputs: [Int]
        public var output: Int

        public init(_ op: GraphOp, inputs: [Int], output: Int) {
            self.op = op
            self.inputs = inputs
            self.output = output
        }
    }

    /// NCHW shape of every value; value 0 is the input.
    public var shapes: [[Int]]
    public var nodes: [Node]
    public var output: Int
    public let input = 0

    public init(shapes: [[Int]], nodes: [Node], output: Int) {
        self.shapes = shapes
        self.nodes = nodes
        self.output = output
    }

    /// Channels of the output (the classes of a segmentation model).
    public var outputChannels: Int { shapes[output][1] }

    /// How many nodes read each value; the graph's output counts as one more reader.
    public func readerCounts() -> [Int] {
        var readers = [Int](repeating: 0, count: shapes.count)
        for node in nodes { for v in node.inputs { readers[v] += 1 } }
        readers[output] += 1
        return readers
    }

    /// The node index that writes each value (nil for the input and for unused numbers).
    public func producers() -> [Int?] {
        var producer = [Int?](repeating: nil, count: shapes.count)
        for (k, node) in nodes.enumerated() { producer[node.output] = k }
        return producer
    }

    /// The same graph with values renumbered densely in the order they are written, values no
    /// node writes or reads dropped: what every pass ends with, so that value ids stay a
    /// compact 0..<n (the int8 blob numbers its tensors from them).
    public func compacted() -> Graph {
        var renumber = [Int](repeating: -1, count: shapes.count)
        var newShapes: [[Int]] = [shapes[input]]
        renumber[input] = 0
        var newNodes: [Node] = []
        newNodes.reserveCapacity(nodes.count)
        for node in nodes {
            let ins = node.inputs.map { v -> Int in
                precondition(renumber[v] >= 0, "graph: node \(node.op.name) reads value \(v) before it is written")
                return renumber[v]
            }
            renumber[node.output] = newShapes.count
            newShapes.append(shapes[node.output])
            newNodes.append(Node(node.op, inputs: ins, output: renumber[node.output]))
        }
        precondition(renumber[output] >= 0, "graph: the output value \(output) is never written")
        return Graph(shapes: newShapes, nodes: newNodes, output: renumber[output])
    }

    /// The graph without the nodes at `indices` (a pass has rewired their readers), compacted.
    public func removing(nodes indices: Set<Int>) -> Graph {
        var g = self
        g.nodes = nodes.enumerated().filter { !indices.contains($0.offset) }.map(\.element)
        return g.compacted()
    }

    /// Multiply-accumulates of one pass (the table of `OpTrace`; BN and activations fused
    /// into a convolution cost nothing more).
    public var macs: Int {
        nodes.reduce(0) { sum, node in
            let y = shapes[node.output].reduce(1, *)
            switch node.op {
            case .convolution(let c):
                let w = c.weight.shape
                return sum + y * w[1] * w[2] * w[3] + (c.addsResidual ? y : 0)
            case .batchNorm, .add, .scale: return sum + y
            case .resize: return sum + 4 * y
            case .pool(_, let g): return sum + y * g.kernelH * g.kernelW
            case .globalPool: return sum + shapes[node.inputs[0]].reduce(1, *)
            case .activation, .concat, .slice, .reshape: return sum
            }
        }
    }
}

/// What a node computes. Exhaustive on purpose: adding a case makes the compiler list every
/// consumer that must learn it (exporter, plan, quantizer, replay).
public enum GraphOp {
    /// Dense or grouped (depthwise when groups = Cin = Cout) 2-D convolution.
    case convolution(ConvolutionNode)
    /// Eval-mode batch norm with running statistics (`foldBatchNorms` removes it).
    case batchNorm(BatchNormNode)
    /// ReLU or ReLU6 (never `.none`); `fuseActivations` moves it into the convolution before.
    case activation(FusedActivation)
    /// inputs[0] + inputs[1], same shapes.
    case add
    /// Along channels, inputs in order.
    case concat
    /// Bilinear, half-pixel centres (PyTorch's align_corners=False).
    case resize(height: Int, width: Int)
    case pool(PoolKind, Pool2dGeometry)
    /// (1, C, H, W) -> (1, C, 1, 1).
    case globalPool(PoolKind)
    case scale(Float)
    case slice(start: Int, count: Int)
    case reshape([Int])

    /// A short name for messages and profiles.
    public var name: String {
        switch self {
        case .convolution(let c): return c.isDepthwise ? "depthwise conv" : "conv"
        case .batchNorm: return "batch norm"
        case .activation(let a): return "\(a)"
        case .add: return "add"
        case .concat: return "concat"
        case .resize: return "resize"
        case .pool(let kind, _): return "\(kind) pool"
        case .globalPool(let kind): return "global \(kind) pool"
        case .scale: return "scale"
        case .slice: return "slice"
        case .reshape: return "reshape"
        }
    }
}

/// A convolution's parameters: y = act(conv(x, weight) + bias) (+ residual, when
/// `addsResidual`: inputs[1], added after the activation).
public struct ConvolutionNode {
    /// (Cout, Cin/groups, kh, kw)
    public var weight: Tensor
    /// (Cout) or nil
    public var bias: Tensor?
    public var geometry: Conv2dGeometry
    public var activation: FusedActivation
    public var addsResidual: Bool
    /// The model's keys of the parameters (ONNX initializer names), when known.
    public var weightName: String?
    public var biasName: String?

    public init(weight: Tensor, bias: Tensor?, geometry: Conv2dGeometry, activation: FusedActivation = .none,
                addsResidual: Bool = false, weightName: String? = nil, biasName: String? = nil) {
        self.weight = weight
        self.bias = bias
        self.geometry = geometry
        self.activation = activation
        self.addsResidual = addsResidual
        self.weightName = weightName
        self.biasName = biasName
    }

    public var outputChannels: Int { weight.shape[0] }
    public var kernel: (height: Int, width: Int) { (weight.shape[2], weight.shape[3]) }
    /// groups = Cin = Cout.
    public var isDepthwise: Bool { geometry.groups > 1 && weight.shape[1] == 1 && geometry.groups == weight.shape[0] }
}

/// An eval-mode batch norm: y = (x - mean) / sqrt(var + eps) * gamma + beta, per channel.
public struct BatchNormNode {
    public var gamma: Tensor, beta: Tensor, mean: Tensor, variance: Tensor
    public var eps: Float
}
