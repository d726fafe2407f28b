import HardData
import HardEngine
import HardMicro

/// Post-training quantization of an inference-ready `Graph` (batch norms folded, activations
/// fused: `Graph.inferenceReady()`) into an `Int8Model` (TFLite's scheme):
/// int8 per-channel symmetric weights, int8 per-tensor asymmetric activations, int32 biases,
/// fixed-point requantization multipliers, ReLU/ReLU6 as clamp bounds. Values that must share
/// parameters (the inputs and output of a concatenation; the input and output of a pool or a
/// resize) are grouped and get the union of their ranges.
public struct Quantizer {
    public let graph: Graph
    /// Quantization of every float value (index = value id).
    public private(set) var activations: [ActivationQuantization] = []

    /// Refuses a graph with an op the int8 runtime has no kernel for, naming it.
    public static func check(_ graph: Graph) throws {
        for node in graph.nodes {
            switch node.op {
            case .convolution(let c):
                let cin = graph.shapes[node.inputs[0]][1]
                guard c.geometry.groups == 1 || c.isDepthwise else {
                    throw ExportError(message: "int8: grouped convolution with \(c.geometry.groups) groups on \(cin) channels is not supported (dense or depthwise only)")
                }
                guard !c.addsResidual else { throw ExportError(message: "int8: a convolution with a fused residual add is not supported") }
            case .add, .concat, .resize, .pool, .globalPool: continue
            case .activation:
                throw ExportError(message: "int8: a ReLU that does not follow a convolution is not supported")
            case .batchNorm, .scale, .slice, .reshape:
                throw ExportError(message: "int8: op \(node.op.name) is not supported by the microcontroller runtime")
            }
        }
    }

    public init(graph: Graph, calibrator: RangeCalibrator) {
        self.graph = graph
        var parent = Array(0..<graph.shapes.count)
        func find(_ v: Int) -> Int {
            var v = v
            while parent[v] != v { parent[v] = parent[parent[v]]; v = parent[v] }
            return v
        }
        func union(_ a: Int, _ b: Int) { parent[find(a)] = find(b) }
        for node in graph.nodes {
            switch node.op {
            case .concat: for x in node.inputs { union(x, node.output) }
            case .resize, .pool, .globalPool: union(node.inputs[0], node.output)
            case .convolution, .add, .batchNorm, .activation, .scale, .slice, .reshape: break
            }
        }
        var lo = [Float](repeating: .infinity, count: graph.shapes.count)
        var hi = [Float](repeating: -.infinity, count: graph.shapes.count)
        for v in 0..<graph.shapes.count {
            let (l, h) = calibrator.range(v)
            let r = find(v)
            lo[r] = min(lo[r], l)
            hi[r] = max(hi[r], h)
        }
        activations = (0..<graph.shapes.count).map { v in ActivationQuantization(range: lo[find(v)], hi[find(v)]) }
    }

    /// Per-channel int8 weights and the int32 bias of convolution node k (bias scale
    /// s_in * s_w[c]).
    public func quantizedConv(_ k: Int) -> (weights: ChannelQuantizedWeights, bias: [Int32])? {
        guard case .convolution(let c) = graph.nodes[k].op else { return nil }
        let i = graph.nodes[k].inputs[0], w = c.weight, b = c.bias
        let cout = w.shape[0]
        let q = ChannelQuantizedWeights(w.pointer, channels: cout, perChannel: w.count / cout)
        let sIn = activations[i].scale
        let bias = (0..<cout).map { c -> Int32 in
            let real = Double(b?.pointer[c] ?? 0) / (sIn * q.scales[c])
            return Int32(max(Double(Int32.min), min(Double(Int32.max), real.rounded())))
        }
        return (q, bias)
    }

    /// The int8 model: input lookup (RGB bytes -> normalised int8), the graph, then the argmax.
    public func int8Model() throws -> Int8Model {
        try Self.check(graph)
        var m = Int8Model()
        func info(_ v: Int) -> Int8Model.TensorInfo {
            let s = graph.shapes[v]
            return .init(height: s[2], width: s[3], channels: s[1], type: .int8, quantization: activations[v])
        }
        let inShape = graph.shapes[0]
        // Tensor 0: RGB bytes; float value v becomes tensor v + 1.
        m.tensors.append(.init(height: inShape[2], width: inShape[3], channels: 3, type: .uint8,
                               quantization: ActivationQuantization(scale: 1, zeroPoint: 0)))
        for v in 0..<graph.shapes.count { m.tensors.append(info(v)) }
        m.ops.append(.inputLookup(input: 0, output: 1, table: inputTable(activations[0])))

        for (k, node) in graph.nodes.enumerated() {
            let out = node.output + 1
            let qo = activations[node.output]
            switch node.op {
            case .convolution(let c):
                let i = node.inputs[0], w = c.weight, g = c.geometry, act = c.activation
                let (q, bias) = quantizedConv(k)!
                let cout = w.shape[0], kh = w.shape[2], kw = w.shape[3]
                let cin = graph.shapes[i][1]
                let depthwise = g.groups > 1
                let per = w.count / cout
                let row = depthwise ? per : denseRowBytes(kernelH: kh, kernelW: kw, inputChannels: cin)
                var weights = [Int8](repeating: 0, count: depthwise ? w.count : cout * row)
                var folded = bias
                for o in 0..<cout {
                    var sum: Int32 = 0
                    for ky in 0..<kh {
                        for kx in 0..<kw {
                            if depthwise {
                                weights[(ky * kw + kx) * cout + o] = q.values[o * per + ky * kw + kx]
                            } else {
                                for c in 0..<cin {
                                    let v = q.values[o * per + (c * kh + ky) * kw + kx]
                                    weights[o * row + (ky * kw + kx) * cin + c] = v
                                    sum += Int32(v)
                                }
                            }
                        }
                    }
                    folded[o] = bias[o] &- activations[i].zeroPoint &* sum
                }
                let multipliers = try (0..<cout).map { c in try quantizeMultiplier(activations[i].scale * q.scales[c] / qo.scale) }
                let bound: ActivationBound = act == .relu ? .relu : act == .relu6 ? .relu6 : .none
                let geometry = ConvGeometry(kernelH: kh, kernelW: kw, strideH: g.strideH, strideW: g.strideW, padH: g.padH,
                                            padW: g.padW, dilationH: g.dilationH, dilationW: g.dilationW)
                m.ops.append(.conv(input: i + 1, output: out, geometry: geometry, depthwise: depthwise,
                                   bounds: qo.activationBounds(bound), weights: weights, bias: bias, foldedBias: folded,
                                   multipliers: multipliers, weightScales: q.scales))
            case .add:
                let a = node.inputs[0], b = node.inputs[1]
                // TFLite: inputs << 20, rescaled to twice the larger input scale, summed, rescaled.
                let leftShift: Int32 = 20
                let twiceMax = 2 * max(activations[a].scale, activations[b].scale)
                m.ops.append(.add(a + 1, b + 1, output: out, leftShift: leftShift,
                                  input1: try quantizeMultiplier(activations[a].scale / twiceMax),
                                  input2: try quantizeMultiplier(activations[b].scale / twiceMax),
                                  outputMultiplier: try quantizeMultiplier(twiceMax / (Double(1 << leftShift) * qo.scale)),
                                  bounds: (-128, 127)))
            case .concat:
                m.ops.append(.concat(node.inputs.map { $0 + 1 }, output: out))
            case .resize:
                m.ops.append(.resize(node.inputs[0] + 1, output: out))
            case .pool(let kind, let g):
                m.ops.append(.pool(node.inputs[0] + 1, output: out, maximum: kind == .max,
                                   geometry: ConvGeometry(kernelH: g.kernelH, kernelW: g.kernelW, strideH: g.strideH,
                                                          strideW: g.strideW, padH: g.padH, padW: g.padW)))
            case .globalPool(let kind):
                m.ops.append(.globalPool(node.inputs[0] + 1, output: out, maximum: kind == .max))
            case .batchNorm, .activation, .scale, .slice, .reshape:
                preconditionFailure("refused by check")
            }
        }
        m.logits = graph.output + 1
        let outShape = graph.shapes[graph.output]
        m.tensors.append(.init(height: outShape[2], width: outShape[3], channels: 1, type: .uint8,
                               quantization: ActivationQuantization(scale: 1, zeroPoint: 0)))
        m.ops.append(.argMax(m.logits, output: m.tensors.count - 1))
        m.input = 0
        m.output = m.tensors.count - 1
        return m
    }

    /// table[c * 256 + v] = quantize((v - mean[c]) / std[c]), exactly as `Normalization`.
    func inputTable(_ q: ActivationQuantization) -> [Int8] {
        var t: [Int8] = []
        for c in 0..<3 {
            let m = Normalization.mean[c], s = 1 / Normalization.std[c]
            for v in 0..<256 { t.append(q.quantize((Float(v) - m) * s)) }
        }
        return t
    }

    /// The graph on floats with every value and weight rounded to its int8 grid (fake
    /// quantization): what the int8 runtime computes, up to the fixed-point multipliers.
    public func fakeQuantized(_ x: Tensor) -> [Tensor?] {
        graph.run(x, transform: { v, t in
            let q = activations[v]
            let y = Tensor.zeros(t.shape)
            for i in 0..<t.count { y.pointer[i] = q.dequantize(q.quantize(t.pointer[i])) }
            return y
        }, weights: { k, w, _ in
            let (q, bias) = quantizedConv(k)!
            let i = graph.nodes[k].inputs[0]
            let cout = w.shape[0], per = w.count / cout
            let wq = Tensor.zeros(w.shape), bq = Tensor.zeros([cout])
            for c in 0..<cout {
                for j in 0..<per { wq.pointer[c * per + j] = Float(Double(q.values[c * per + j]) * q.scales[c]) }
                bq.pointer[c] = Float(Double(bias[c]) * activations[i].scale * q.scales[c])
            }
            return (wq, bq)
        })
    }
}
