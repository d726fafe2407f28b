import Foundation
import HardEngine
import HardModels
import HardNN
import SwiftProtobuf

/// An op the exporter has no ONNX mapping for, or a model it cannot trace.
public struct ExportError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

/// Exports a HARD model to ONNX (opset 17, IR version 8) from its traced `Graph`.
///
/// The graph (traced on placeholders: no activation memory) with batch norms folded into the
/// convolutions (in copies; the model is untouched) becomes standard ONNX nodes: Conv (pads,
/// strides, dilations, group), then Relu or Clip(0, 6) for a fused activation, Add, Mul,
/// Concat, Slice, Resize (linear, half_pixel, explicit sizes), AveragePool
/// (count_include_pad = 1), MaxPool, GlobalAveragePool, GlobalMaxPool, BatchNormalization,
/// Reshape. Parameters become initializers named by their module keys. The graph has one
/// input `input` (1, 3, H, W) and one output `logits` (1, classes, H, W), so any runtime that
/// reads ONNX (ONNX Runtime, TensorRT's parser) takes it as is.
public enum ONNXExporter {
    public static let opset: Int64 = 17
    public static let irVersion: Int64 = 8

    /// The serialised model.
    public static func export(_ model: HARDNetwork, height: Int, width: Int) throws -> Data {
        try exportModel(model, height: height, width: width).serializedData()
    }

    /// Exports `model` and writes the graph to `path` atomically; returns the bytes written.
    /// A `path` that is the checkpoint the model came from, or the JSON beside it, is refused
    /// before anything is written (`-o ck.safetensors` used to replace the checkpoint).
    @discardableResult
    public static func write(_ model: HARDNetwork, height: Int, width: Int, to path: String, checkpoint: String? = nil) throws -> Int {
        if let checkpoint {
            try OutputGuard.check(output: path, against: [OutputGuard.Input(checkpoint, "the --checkpoint"),
                                                          OutputGuard.Input(Checkpoint.infoPath(for: checkpoint), "the --checkpoint's JSON")])
        }
        let data = try export(model, height: height, width: width)
        try AtomicFile.write(data, to: path)
        return data.count
    }

    public static func exportModel(_ model: HARDNetwork, height: Int, width: Int) throws -> Onnx_ModelProto {
        guard height >= 8, width >= 8 else { throw ExportError(message: "input \(height)x\(width) is too small (at least 8x8)") }
        let graph = try Graph.trace(model, height: height, width: width).inferenceReady()
        var m = try exportGraph(graph, name: "\(model.variant.rawValue)-\(model.classes)")
        m.docString = "\(model.variant.rawValue), \(model.classes) classes, input 1x3x\(height)x\(width), ImageNet mean/std normalised RGB"
        return m
    }

    /// The ONNX model of `graph`: input `input`, output `logits`, one node per graph op (two
    /// for a convolution with a fused activation, three with a fused residual add).
    public static func exportGraph(_ graph: Graph, name: String) throws -> Onnx_ModelProto {
        var b = GraphBuilder(values: graph.shapes.count)
        b.shapes = graph.shapes
        b.valueNames[graph.input] = "input"
        b.valueNames[graph.output] = "logits"
        for node in graph.nodes { try b.add(node) }

        var g = Onnx_GraphProto()
        g.name = name
        g.node = b.nodes
        g.initializer = b.initializers
        g.input = [valueInfo("input", graph.shapes[graph.input])]
        g.output = [valueInfo("logits", graph.shapes[graph.output])]

        var m = Onnx_ModelProto()
        m.irVersion = irVersion
        m.producerName = "hard"
        m.producerVersion = "1"
        var opset = Onnx_OperatorSetIdProto()
        opset.domain = ""
        opset.version = opset17
        m.opsetImport = [opset]
        m.graph = g
        return m
    }

    static let opset17 = opset

    static func valueInfo(_ name: String, _ shape: [Int]) -> Onnx_ValueInfoProto {
        var tensorType = Onnx_TypeProto.Tensor()
        tensorType.elemType = Int32(Onnx_TensorProto.DataType.float.rawValue)
        var s = Onnx_TensorShapeProto()
        s.dim = shape.map { d in var dim = Onnx_TensorShapeProto.Dimension(); dim.dimValue = Int64(d); return dim }
        tensorType.shape = s
        var type = Onnx_TypeProto()
        type.tensorType = tensorType
        var v = Onnx_ValueInfoProto()
        v.name = name
        v.type = type
        return v
    }
}

/// Accumulates nodes and initializers while the graph's nodes are visited.
struct GraphBuilder {
    var nodes: [Onnx_NodeProto] = []
    var initializers: [Onnx_TensorProto] = []
    /// ONNX name of each graph value (the input and output are named by the caller).
    var valueNames: [String?]
    var usedInitializerNames = Set<String>()
    var counter = 0

    init(values: Int) { valueNames = [String?](repeating: nil, count: values) }

    func value(_ v: Int) -> String { valueNames[v]! }

    /// A parameter as an initializer, named by its module key when it has one.
    mutating func parameter(_ t: Tensor, _ key: String?) -> String {
        var n = key ?? "const\(initializers.count)"
        if usedInitializerNames.contains(n) { n += "_\(initializers.count)" }
        usedInitializerNames.insert(n)
        initializers.append(Self.tensorProto(n, t.shape.map(Int64.init), t.toArray()))
        return n
    }

    mutating func constant(_ name: String, dims: [Int64], floats: [Float]) -> String {
        let n = "\(name)_\(initializers.count)"
        initializers.append(Self.tensorProto(n, dims, floats))
        return n
    }

    mutating func constantInt64(_ name: String, _ values: [Int64]) -> String {
        let n = "\(name)_\(initializers.count)"
        var t = Onnx_TensorProto()
        t.name = n
        t.dims = [Int64(values.count)]
        t.dataType = Int32(Onnx_TensorProto.DataType.int64.rawValue)
        t.rawData = values.withUnsafeBufferPointer { Data(buffer: $0) }
        initializers.append(t)
        return n
    }

    static func tensorProto(_ name: String, _ dims: [Int64], _ values: [Float]) -> Onnx_TensorProto {
        var t = Onnx_TensorProto()
        t.name = name
        t.dims = dims
        t.dataType = Int32(Onnx_TensorProto.DataType.float.rawValue)
        t.rawData = values.withUnsafeBufferPointer { Data(buffer: $0) }   // little-endian hosts
        return t
    }

    static func ints(_ name: String, _ v: [Int]) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto()
        a.name = name
        a.type = .ints
        a.ints = v.map(Int64.init)
        return a
    }

    static func int(_ name: String, _ v: Int) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto()
        a.name = name
        a.type = .int
        a.i = Int64(v)
        return a
    }

    static func float(_ name: String, _ v: Float) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto()
        a.name = name
        a.type = .float
        a.f = v
        return a
    }

    static func string(_ name: String, _ v: String) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto()
        a.name = name
        a.type = .string
        a.s = Data(v.utf8)
        return a
    }

    /// A node writing graph value `output` (or a fresh intermediate name when nil); returns its name.
    @discardableResult
    mutating func emit(_ type: String, _ inputs: [String], _ output: Int?, _ attributes: [Onnx_AttributeProto] = []) -> String {
        counter += 1
        let out = output.flatMap { valueNames[$0] } ?? "t\(counter)"
        if let output, valueNames[output] == nil { valueNames[output] = out }
        var n = Onnx_NodeProto()
        n.opType = type
        n.name = "\(type)_\(counter)"
        n.input = inputs
        n.output = [out]
        n.attribute = attributes
        nodes.append(n)
        return out
    }

    mutating func add(_ node: Graph.Node) throws {
        let y = node.output
        switch node.op {
        case .convolution(let c):
            let g = c.geometry, w = c.weight
            var ins = [value(node.inputs[0]), parameter(w, c.weightName)]
            if let bias = c.bias { ins.append(parameter(bias, c.biasName)) }
            let attributes = [
                Self.ints("kernel_shape", [w.shape[2], w.shape[3]]), Self.ints("strides", [g.strideH, g.strideW]),
                Self.ints("pads", [g.padH, g.padW, g.padH, g.padW]), Self.ints("dilations", [g.dilationH, g.dilationW]),
                Self.int("group", g.groups),
            ]
            let last = !c.addsResidual ? y : nil
            var out = emit("Conv", ins, c.activation == .none ? last : nil, attributes)
            switch c.activation {
            case .none: break
            case .relu: out = emit("Relu", [out], last)
            case .relu6: out = clip6(out, last)
            }
            if c.addsResidual { emit("Add", [out, value(node.inputs[1])], y) }
        case .batchNorm(let bn):
            emit("BatchNormalization", [value(node.inputs[0]), parameter(bn.gamma, nil), parameter(bn.beta, nil),
                                        parameter(bn.mean, nil), parameter(bn.variance, nil)], y, [Self.float("epsilon", bn.eps)])
        case .activation(let kind):
            switch kind {
            case .none: emit("Identity", [value(node.inputs[0])], y)
            case .relu: emit("Relu", [value(node.inputs[0])], y)
            case .relu6: clip6(value(node.inputs[0]), y)
            }
        case .add:
            emit("Add", [value(node.inputs[0]), value(node.inputs[1])], y)
        case .scale(let a):
            emit("Mul", [value(node.inputs[0]), constant("scale", dims: [], floats: [a])], y)
        case .concat:
            emit("Concat", node.inputs.map(value), y, [Self.int("axis", 1)])
        case .slice(let start, let count):
            emit("Slice", [value(node.inputs[0]), constantInt64("starts", [Int64(start)]), constantInt64("ends", [Int64(start + count)]),
                           constantInt64("axes", [1])], y)
        case .resize(let h, let w):
            let s = valueShape(node)
            // Inputs: X, roi (empty), scales (empty), sizes.
            emit("Resize", [value(node.inputs[0]), "", "", constantInt64("sizes", [Int64(s[0]), Int64(s[1]), Int64(h), Int64(w)])], y, [
                Self.string("mode", "linear"), Self.string("coordinate_transformation_mode", "half_pixel"),
            ])
        case .pool(let kind, let g):
            var attributes = [Self.ints("kernel_shape", [g.kernelH, g.kernelW]), Self.ints("strides", [g.strideH, g.strideW]),
                              Self.ints("pads", [g.padH, g.padW, g.padH, g.padW])]
            if kind == .average { attributes.append(Self.int("count_include_pad", 1)) }
            emit(kind == .max ? "MaxPool" : "AveragePool", [value(node.inputs[0])], y, attributes)
        case .globalPool(let kind):
            emit(kind == .max ? "GlobalMaxPool" : "GlobalAveragePool", [value(node.inputs[0])], y)
        case .reshape(let shape):
            emit("Reshape", [value(node.inputs[0]), constantInt64("shape", shape.map(Int64.init))], y)
        }
    }

    /// The input shape of a one-input node (set by `add`'s caller through the shapes).
    var shapes: [[Int]] = []
    func valueShape(_ node: Graph.Node) -> [Int] { shapes[node.inputs[0]] }

    @discardableResult
    mutating func clip6(_ x: String, _ output: Int?) -> String {
        emit("Clip", [x, constant("zero", dims: [], floats: [0]), constant("six", dims: [], floats: [6])], output)
    }
}
