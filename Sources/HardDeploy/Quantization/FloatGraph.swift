import HardEngine
import HardModels

/// The BN-folded inference graph of a model, traced once, as the quantizer sees it: value
/// ids (0 is the input), nodes in execution order, ReLU/ReLU6 fused into their convolution.
/// `run` replays it on float tensors; the calibration and the fake-quantized simulation do.
public struct FloatGraph {
    public enum Node {
        /// weight (Cout, Cin/groups, kh, kw), bias (Cout) or nil
        case conv(input: Int, output: Int, weight: Tensor, bias: Tensor?, geometry: Conv2dGeometry, activation: FusedActivation)
        case add(Int, Int, output: Int)
        case concat([Int], output: Int)
        case resize(Int, output: Int, height: Int, width: Int)
        case pool(Int, output: Int, kind: PoolKind, geometry: Pool2dGeometry)
        case globalPool(Int, output: Int, kind: PoolKind)

        public var output: Int {
            switch self {
            case .conv(_, let o, _, _, _, _), .add(_, _, let o), .concat(_, let o), .resize(_, let o, _, _),
                 .pool(_, let o, _, _), .globalPool(_, let o, _):
                return o
            }
        }

        public var inputs: [Int] {
            switch self {
            case .conv(let i, _, _, _, _, _), .resize(let i, _, _, _), .pool(let i, _, _, _), .globalPool(let i, _, _): return [i]
            case .add(let a, let b, _): return [a, b]
            case .concat(let xs, _): return xs
            }
        }
    }

    public private(set) var nodes: [Node] = []
    /// NCHW shape of every value.
    public private(set) var shapes: [[Int]] = []
    public private(set) var output = 0
    public let input = 0
    public let classes: Int

    /// Traces `model` (switched to eval mode, batch norms folded: irreversible) at H x W.
    public static func trace(_ model: HARDNetwork, height: Int, width: Int) throws -> FloatGraph {
        let trace = try InferenceTrace(model, height: height, width: width)
        let (x, y, events) = (trace.input, trace.output, trace.events)
        var g = FloatGraph(classes: model.classes)
        var ids: [ObjectIdentifier: Int] = [ObjectIdentifier(x): 0]
        var kept: [Tensor] = [x]   // keeps traced tensors alive so identifiers stay unique
        g.shapes = [x.shape]
        func id(_ t: Tensor) throws -> Int {
            guard let i = ids[ObjectIdentifier(t)] else {
                throw ExportError(message: "int8: a tensor of shape \(t.shape) is read before any traced op wrote it")
            }
            return i
        }
        func define(_ t: Tensor) -> Int {
            ids[ObjectIdentifier(t)] = g.shapes.count
            kept.append(t)
            g.shapes.append(t.shape)
            return g.shapes.count - 1
        }
        for e in events {
            switch e.op {
            case .conv2d(let geometry):
                let cin = e.inputs[0].shape[1], cout = e.inputs[1].shape[0]
                guard geometry.groups == 1 || (geometry.groups == cin && cin == cout) else {
                    throw ExportError(message: "int8: grouped convolution with \(geometry.groups) groups is not supported (dense or depthwise only)")
                }
                g.nodes.append(.conv(input: try id(e.inputs[0]), output: define(e.output), weight: e.inputs[1],
                                     bias: e.inputs.count > 2 ? e.inputs[2] : nil, geometry: geometry, activation: .none))
            case .relu, .relu6:
                // Fuse into the convolution that produced the input, if it is the last node.
                let src = try id(e.inputs[0])
                guard case .conv(let i, let o, let w, let b, let geo, .none)? = g.nodes.last, o == src else {
                    throw ExportError(message: "int8: a ReLU that does not follow a convolution is not supported")
                }
                g.nodes[g.nodes.count - 1] = .conv(input: i, output: o, weight: w, bias: b, geometry: geo,
                                                   activation: { if case .relu = e.op { return .relu } else { return .relu6 } }())
                ids[ObjectIdentifier(e.output)] = o
                kept.append(e.output)
            case .add:
                g.nodes.append(.add(try id(e.inputs[0]), try id(e.inputs[1]), output: define(e.output)))
            case .concatChannels:
                g.nodes.append(.concat(try e.inputs.map(id), output: define(e.output)))
            case .resizeBilinear(let h, let w):
                g.nodes.append(.resize(try id(e.inputs[0]), output: define(e.output), height: h, width: w))
            case .pool(let kind, let geometry):
                g.nodes.append(.pool(try id(e.inputs[0]), output: define(e.output), kind: kind, geometry: geometry))
            case .globalPool(let kind):
                g.nodes.append(.globalPool(try id(e.inputs[0]), output: define(e.output), kind: kind))
            case .batchNorm, .scale, .sliceChannels, .reshape:
                throw ExportError(message: "int8: op \(e.op) is not supported by the microcontroller runtime")
            }
        }
        g.output = try id(y)
        guard g.output != 0 else { throw ExportError(message: "int8: the model's output is its input") }
        _ = kept
        return g
    }

    /// Every value of the graph for input x (1, 3, H, W); `transform` may replace a value as
    /// soon as it is computed (fake quantization), `weights` the parameters of a convolution.
    public func run(_ x: Tensor, transform: (Int, Tensor) -> Tensor = { $1 },
                    weights: (Int, Tensor, Tensor?) -> (Tensor, Tensor?) = { ($1, $2) }) -> [Tensor?] {
        withNoGrad {
            var values = [Tensor?](repeating: nil, count: shapes.count)
            values[0] = transform(0, x)
            for (k, node) in nodes.enumerated() {
                let y: Tensor
                switch node {
                case .conv(let i, _, let w, let b, let geometry, let act):
                    let (wq, bq) = weights(k, w, b)
                    y = conv2d(values[i]!, weight: wq, bias: bq, geometry: geometry, activation: act)
                case .add(let a, let b, _): y = add(values[a]!, values[b]!)
                case .concat(let xs, _): y = concatChannels(xs.map { values[$0]! })
                case .resize(let i, _, let h, let w): y = resizeBilinear(values[i]!, height: h, width: w)
                case .pool(let i, _, let kind, let geometry):
                    y = kind == .max ? maxPool2d(values[i]!, geometry) : avgPool2d(values[i]!, geometry)
                case .globalPool(let i, _, let kind):
                    y = kind == .max ? globalMaxPool(values[i]!) : globalAvgPool(values[i]!)
                }
                values[node.output] = transform(node.output, y)
            }
            return values
        }
    }
}
