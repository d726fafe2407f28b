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

/// Exports a HARD model to ONNX (opset 17, IR version 8) by tracing one forward pass.
///
/// The model runs once in eval mode, BN folded into the convolutions, on a (1, 3, H, W)
/// input; every op reports itself through `GraphTrace` and becomes one standard ONNX node:
/// Conv (pads, strides, dilations, group), Relu, Clip(0, 6), Add, Mul, Concat, Slice,
/// Resize (linear, half_pixel, explicit sizes), AveragePool (count_include_pad = 1),
/// MaxPool, GlobalAveragePool, GlobalMaxPool, BatchNormalization, Reshape. Parameters become
/// initializers named by their module keys. The graph has one input `input` (1, 3, H, W)
/// and one output `logits` (1, classes, H, W), so any runtime that reads ONNX (ONNX Runtime,
/// TensorRT's parser) takes it as is.
public enum ONNXExporter {
    public static let opset: Int64 = 17
    public static let irVersion: Int64 = 8

    /// The serialised model. `model` is switched to eval mode and its batch norms are folded.
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
        let trace = try InferenceTrace(model, height: height, width: width)
        let (input, output, events) = (trace.input, trace.output, trace.events)
        var b = GraphBuilder()
        b.name(input, "input")
        for (key, t) in model.stateDict() { b.parameterNames[ObjectIdentifier(t)] = key }
        for e in events { try b.add(e) }
        guard let outName = b.names[ObjectIdentifier(output)] else { throw ExportError(message: "the model's output was not produced by a traced op") }

        var graph = Onnx_GraphProto()
        graph.name = "\(model.variant.rawValue)-\(model.classes)"
        graph.node = b.nodes
        graph.initializer = b.initializers
        graph.input = [valueInfo("input", input.shape)]
        // Rename the last node's output to "logits".
        if let i = graph.node.lastIndex(where: { $0.output.contains(outName) }) {
            graph.node[i].output = graph.node[i].output.map { $0 == outName ? "logits" : $0 }
        }
        graph.output = [valueInfo("logits", output.shape)]

        var m = Onnx_ModelProto()
        m.irVersion = irVersion
        m.producerName = "hard"
        m.producerVersion = "1"
        m.docString = "\(model.variant.rawValue), \(model.classes) classes, input 1x3x\(height)x\(width), ImageNet mean/std normalised RGB"
        var opset = Onnx_OperatorSetIdProto()
        opset.domain = ""
        opset.version = opset17
        m.opsetImport = [opset]
        m.graph = graph
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

/// Accumulates nodes and initializers while the traced events are replayed.
struct GraphBuilder {
    var nodes: [Onnx_NodeProto] = []
    var initializers: [Onnx_TensorProto] = []
    var names: [ObjectIdentifier: String] = [:]
    var parameterNames: [ObjectIdentifier: String] = [:]
    var kept: [Tensor] = []   // keeps traced tensors alive so identifiers stay unique
    var counter = 0

    mutating func name(_ t: Tensor, _ n: String) {
        names[ObjectIdentifier(t)] = n
        kept.append(t)
    }

    /// The value name of an input: a produced tensor, or a constant that becomes an initializer.
    mutating func use(_ t: Tensor) -> String {
        if let n = names[ObjectIdentifier(t)] { return n }
        let n = parameterNames[ObjectIdentifier(t)] ?? "const\(initializers.count)"
        initializers.append(Self.tensorProto(n, t.shape.map(Int64.init), t.toArray()))
        name(t, n)
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

    mutating func node(_ type: String, _ inputs: [String], _ output: Tensor, _ attributes: [Onnx_AttributeProto] = []) {
        counter += 1
        let out = "t\(counter)"
        name(output, out)
        var n = Onnx_NodeProto()
        n.opType = type
        n.name = "\(type)_\(counter)"
        n.input = inputs
        n.output = [out]
        n.attribute = attributes
        nodes.append(n)
    }

    mutating func add(_ e: GraphEvent) throws {
        switch e.op {
        case .conv2d(let g):
            let w = e.inputs[1]
            let ins = e.inputs.map { use($0) }
            node("Conv", ins, e.output, [
                Self.ints("kernel_shape", [w.shape[2], w.shape[3]]), Self.ints("strides", [g.strideH, g.strideW]),
                Self.ints("pads", [g.padH, g.padW, g.padH, g.padW]), Self.ints("dilations", [g.dilationH, g.dilationW]),
                Self.int("group", g.groups),
            ])
        case .batchNorm(let eps):
            node("BatchNormalization", e.inputs.map { use($0) }, e.output, [Self.float("epsilon", eps)])
        case .relu:
            node("Relu", [use(e.inputs[0])], e.output)
        case .relu6:
            let x = use(e.inputs[0])
            node("Clip", [x, constant("zero", dims: [], floats: [0]), constant("six", dims: [], floats: [6])], e.output)
        case .add:
            node("Add", [use(e.inputs[0]), use(e.inputs[1])], e.output)
        case .scale(let a):
            let x = use(e.inputs[0])
            node("Mul", [x, constant("scale", dims: [], floats: [a])], e.output)
        case .concatChannels:
            node("Concat", e.inputs.map { use($0) }, e.output, [Self.int("axis", 1)])
        case .sliceChannels(let start, let count):
            let x = use(e.inputs[0])
            node("Slice", [x, constantInt64("starts", [Int64(start)]), constantInt64("ends", [Int64(start + count)]),
                           constantInt64("axes", [1])], e.output)
        case .resizeBilinear(let h, let w):
            let x = use(e.inputs[0])
            let (n, c, _, _) = e.inputs[0].nchw
            // Inputs: X, roi (empty), scales (empty), sizes.
            node("Resize", [x, "", "", constantInt64("sizes", [Int64(n), Int64(c), Int64(h), Int64(w)])], e.output, [
                Self.string("mode", "linear"), Self.string("coordinate_transformation_mode", "half_pixel"),
            ])
        case .pool(let kind, let g):
            var attributes = [Self.ints("kernel_shape", [g.kernelH, g.kernelW]), Self.ints("strides", [g.strideH, g.strideW]),
                              Self.ints("pads", [g.padH, g.padW, g.padH, g.padW])]
            if kind == .average { attributes.append(Self.int("count_include_pad", 1)) }
            node(kind == .max ? "MaxPool" : "AveragePool", [use(e.inputs[0])], e.output, attributes)
        case .globalPool(let kind):
            node(kind == .max ? "GlobalMaxPool" : "GlobalAveragePool", [use(e.inputs[0])], e.output)
        case .reshape(let shape):
            let x = use(e.inputs[0])
            node("Reshape", [x, constantInt64("shape", shape.map(Int64.init))], e.output)
        }
    }
}
