import Foundation
import HardEngine
import HardMicro

/// The int8 model as a TFLite flatbuffer (`hard export tflite`): the same integers as the
/// blob the firmware runs, in TFLite builtin ops, so TFLite Micro, ST Edge AI / STM32Cube.AI
/// or any TFLite tool can run it and be checked against our runtime.
///
/// What TFLite recomputes from the file, it must recompute to our numbers: it derives each
/// requantization multiplier from the float32 scales in the file (so our multipliers come
/// from float32 scales, `ActivationQuantization`), and each clamp from the fused activation
/// and the output scale. The exporter recomputes both TFLite's way and refuses a model where
/// either differs from the blob's, instead of writing a file that would silently disagree.
///
/// The mapping, NHWC, batch 1 (`Int8Model` op -> TFLite):
/// - input lookup (RGB bytes -> normalised int8): not in the file by default: the model's
///   input is the normalised int8 image, as TFLite Micro deployments feed it (the input
///   tensor's scale and zero point say how). With `rgbInput`, the RGB bytes go in and a
///   CAST (uint8 -> int32), an ADD of the channel's table offset (0, 256, 512) and a GATHER
///   from the 768-entry table do the lookup, exactly.
/// - convolution: CONV_2D (weights [Cout][kh][kw][Cin], per-channel scales on dimension 0)
///   or DEPTHWISE_CONV_2D ([1][kh][kw][C], dimension 3), bias int32 with scale s_in s_w[c].
///   Our padding is PyTorch's (p on both sides); where that is TFLite's SAME split it stays
///   SAME, else an explicit PAD (the zero point, so real 0.0) and VALID.
/// - ADD, CONCATENATION (axis 3), MAX_POOL_2D (SAME where it matches, else PADV2 with -128).
/// - average pooling: we count the padding as 0.0 (PyTorch's count_include_pad), TFLite's
///   SAME divides by the in-bounds taps only; so PAD (zero point) then a VALID pool.
/// - global pooling: AVERAGE_POOL_2D / MAX_POOL_2D over the whole map.
/// - bilinear resize: RESIZE_BILINEAR, half_pixel_centers (our kernel is TFLite's integer
///   one); the argmax: ARG_MAX over channels, int32 class indices.
/// Outputs: `classes` (int32, 1 x H x W) and `logits` (the int8 tensor the host runtime keeps:
/// before the final upsampling, which it fuses with the argmax).
public enum TFLiteExporter {
    public struct Options {
        /// RGB bytes as the input (CAST, ADD, GATHER do the normalisation) instead of the
        /// normalised int8 image.
        public var rgbInput = false
        /// Model.description in the file.
        public var description = "hard int8 model"

        public init(rgbInput: Bool = false, description: String = "hard int8 model") {
            self.rgbInput = rgbInput
            self.description = description
        }
    }

    /// The .tflite bytes of `model`.
    public static func flatbuffer(_ model: Int8Model, options: Options = Options()) throws -> [UInt8] {
        var b = TFLiteModelBuilder(model: model)
        try b.build(rgbInput: options.rgbInput)
        return b.flatbuffer(description: options.description)
    }

    /// Writes the file (to a temporary name, then renamed); returns its size in bytes.
    @discardableResult
    public static func write(_ model: Int8Model, to path: String, options: Options = Options()) throws -> Int {
        let bytes = try flatbuffer(model, options: options)
        try AtomicFile.write(bytes, to: path)
        return bytes.count
    }
}

/// One model's tensors, buffers and operators as they are added.
struct TFLiteModelBuilder {
    typealias S = TFLiteSchema
    let model: Int8Model
    /// Buffer 0 is the empty buffer every tensor without data points to.
    var buffers: [FlatObject] = [.table(FlatTable())]
    var tensors: [FlatObject] = []
    var operators: [FlatObject] = []
    var operatorCodes: [(S.Operator, Int32)] = []
    /// TFLite tensor of each `Int8Model` tensor already added.
    var tensorOf: [Int: Int32] = [:]
    var inputs: [Int32] = []
    var outputs: [Int32] = []

    /// The int8 logits the host runtime keeps: the resize's input when a resize feeds the
    /// argmax (the runtime fuses the two), else the argmax's input.
    let keptLogits: Int

    init(model: Int8Model) {
        self.model = model
        if case .resize(let i, let out) = model.ops.dropLast().last, out == model.logits {
            keptLogits = i
        } else {
            keptLogits = model.logits
        }
    }

    struct Quantization {
        var scales: [Float]
        var zeroPoints: [Int64]
        var dimension: Int32 = 0
    }

    func problem(_ what: String) -> ExportError { ExportError(message: "tflite: \(what)") }

    // MARK: Tensors and operators

    mutating func addTensor(shape: [Int], type: S.TensorType, name: String, quantization: Quantization? = nil,
                            data: [UInt8]? = nil) -> Int32 {
        var t = FlatTable()
        t[S.Tensor.shape] = .offset(.vector(.int32(shape.map { Int32($0) })))
        t[S.Tensor.type] = .int8(type.rawValue)
        t[S.Tensor.name] = .offset(.string(name))
        if let data {
            var buffer = FlatTable()
            buffer[S.Buffer.data] = .offset(.vector(.bytes(data, alignment: 16)))
            buffers.append(.table(buffer))
            t[S.Tensor.buffer] = .uint32(UInt32(buffers.count - 1))
        }
        if let q = quantization {
            var qt = FlatTable()
            qt[S.Quantization.scale] = .offset(.vector(.float32(q.scales)))
            qt[S.Quantization.zeroPoint] = .offset(.vector(.int64(q.zeroPoints)))
            if q.dimension != 0 { qt[S.Quantization.quantizedDimension] = .int32(q.dimension) }
            t[S.Tensor.quantization] = .offset(.table(qt))
        }
        tensors.append(.table(t))
        return Int32(tensors.count - 1)
    }

    func activationQuantization(_ t: Int) -> Quantization {
        let q = model.tensors[t].quantization
        return Quantization(scales: [Float(q.scale)], zeroPoints: [Int64(q.zeroPoint)])
    }

    /// The int8 activation tensor of `Int8Model` tensor t ([1, H, W, C]).
    mutating func activation(_ t: Int, name: String? = nil) -> Int32 {
        if let id = tensorOf[t] { return id }
        let info = model.tensors[t]
        let id = addTensor(shape: [1, info.height, info.width, info.channels], type: .int8, name: name ?? (t == keptLogits ? "logits" : "value_\(t)"),
                           quantization: activationQuantization(t))
        tensorOf[t] = id
        return id
    }

    mutating func int32Constant(_ values: [Int32], shape: [Int], name: String) -> Int32 {
        addTensor(shape: shape, type: .int32, name: name, data: littleEndianBytes(values))
    }

    mutating func addOperator(_ code: S.Operator, version: Int32, inputs: [Int32], outputs: [Int32],
                              options: (S.Options, FlatTable)? = nil) {
        let index: Int
        if let i = operatorCodes.firstIndex(where: { $0.0 == code && $0.1 == version }) {
            index = i
        } else {
            operatorCodes.append((code, version))
            index = operatorCodes.count - 1
        }
        var op = FlatTable()
        op[S.OperatorTable.opcodeIndex] = .uint32(UInt32(index))
        op[S.OperatorTable.inputs] = .offset(.vector(.int32(inputs)))
        op[S.OperatorTable.outputs] = .offset(.vector(.int32(outputs)))
        if let (kind, table) = options {
            op[S.OperatorTable.builtinOptionsType] = .uint8(kind.rawValue)
            op[S.OperatorTable.builtinOptions] = .offset(.table(table))
        }
        operators.append(.table(op))
    }

    // MARK: The model

    mutating func build(rgbInput: Bool) throws {
        var modelInput: Int32? = nil
        for op in model.ops {
            switch op {
            case .inputLookup(let i, let out, let table):
                if rgbInput {
                    modelInput = try addInputLookup(input: i, output: out, table: table)
                } else {
                    modelInput = activation(out, name: "input")
                }
            case .conv(let i, let out, let g, let depthwise, let bounds, let weights, let bias, _, let m, let scales):
                try addConvolution(input: i, output: out, geometry: g, depthwise: depthwise, bounds: bounds,
                                   weights: weights, bias: bias, multipliers: m, weightScales: scales)
            case .add(let a, let b, let out, let leftShift, let m1, let m2, let mo, let bounds):
                try checkAdd(a, b, out, leftShift: leftShift, m1, m2, mo, bounds: bounds)
                let x = activation(a), y = activation(b), z = activation(out)
                var o = FlatTable()
                o[S.AddOptions.activation] = .uint8(S.Activation.none.rawValue)
                addOperator(.add, version: 2, inputs: [x, y], outputs: [z], options: (.add, o))
            case .concat(let xs, let out):
                for x in xs where model.tensors[x].quantization != model.tensors[out].quantization {
                    throw problem("concatenation input \(x) has other quantization parameters than its output")
                }
                let ins = xs.map { activation($0) }
                let z = activation(out)
                var o = FlatTable()
                o[S.ConcatenationOptions.axis] = .int32(3)
                o[S.ConcatenationOptions.activation] = .uint8(S.Activation.none.rawValue)
                addOperator(.concatenation, version: 2, inputs: ins, outputs: [z], options: (.concatenation, o))
            case .pool(let i, let out, let maximum, let g):
                try addPool(input: i, output: out, maximum: maximum, geometry: g)
            case .globalPool(let i, let out, let maximum):
                let xs = model.tensors[i]
                try addPool(input: i, output: out, maximum: maximum,
                            geometry: ConvGeometry(kernelH: xs.height, kernelW: xs.width))
            case .resize(let i, let out):
                guard model.tensors[i].quantization == model.tensors[out].quantization else {
                    throw problem("resize \(i) -> \(out) changes quantization parameters")
                }
                let x = activation(i)
                let ys = model.tensors[out]
                let size = int32Constant([Int32(ys.height), Int32(ys.width)], shape: [2], name: "size_\(out)")
                let z = activation(out)
                var o = FlatTable()
                o[S.ResizeBilinearOptions.alignCorners] = .bool(false)
                o[S.ResizeBilinearOptions.halfPixelCenters] = .bool(true)
                addOperator(.resizeBilinear, version: 3, inputs: [x, size], outputs: [z], options: (.resizeBilinear, o))
            case .argMax(let i, let out):
                let x = activation(i)
                let ys = model.tensors[out]
                let axis = int32Constant([3], shape: [1], name: "channel_axis")
                let z = addTensor(shape: [1, ys.height, ys.width], type: .int32, name: "classes")
                tensorOf[out] = z
                var o = FlatTable()
                o[S.ArgMaxOptions.outputType] = .int8(S.TensorType.int32.rawValue)
                addOperator(.argMax, version: 2, inputs: [x, axis], outputs: [z], options: (.argMax, o))
            }
        }
        guard let input = modelInput else { throw problem("the model has no input lookup op") }
        guard case .argMax(_, let last) = model.ops.last, last == model.output, let classes = tensorOf[model.output] else {
            throw problem("the model's output is not an argmax")
        }
        guard let logits = tensorOf[keptLogits] else { throw problem("the logits tensor \(keptLogits) is not in the graph") }
        inputs = [input]
        outputs = [classes, logits]
    }

    /// CAST, ADD and GATHER: tensor `output` = table[c * 256 + rgb] for channel c.
    mutating func addInputLookup(input: Int, output: Int, table: [Int8]) throws -> Int32 {
        let info = model.tensors[output]
        guard table.count == 768, info.channels == 3 else { throw problem("the input lookup table is not 3 x 256") }
        let shape = [1, info.height, info.width, 3]
        let rgb = addTensor(shape: shape, type: .uint8, name: "input",
                            quantization: Quantization(scales: [1], zeroPoints: [0]))
        let wide = addTensor(shape: shape, type: .int32, name: "rgb_int32")
        var cast = FlatTable()
        cast[S.CastOptions.inDataType] = .int8(S.TensorType.uint8.rawValue)
        cast[S.CastOptions.outDataType] = .int8(S.TensorType.int32.rawValue)
        addOperator(.cast, version: 1, inputs: [rgb], outputs: [wide], options: (.cast, cast))
        let offsets = int32Constant([0, 256, 512], shape: [1, 1, 1, 3], name: "channel_table_offset")
        let indices = addTensor(shape: shape, type: .int32, name: "table_index")
        var add = FlatTable()
        add[S.AddOptions.activation] = .uint8(S.Activation.none.rawValue)
        addOperator(.add, version: 1, inputs: [wide, offsets], outputs: [indices], options: (.add, add))
        let values = addTensor(shape: [768], type: .int8, name: "normalisation_table", quantization: activationQuantization(output),
                               data: table.map { UInt8(bitPattern: $0) })
        let normalised = activation(output, name: "normalised_input")
        var gather = FlatTable()
        gather[S.GatherOptions.axis] = .int32(0)
        addOperator(.gather, version: 2, inputs: [values, indices], outputs: [normalised], options: (.gather, gather))
        return rgb
    }

    // MARK: Padding

    /// TFLite's SAME padding along one axis is ours when the output size is ceil(in / stride)
    /// and our leading pad is the floor half of the total (the rest goes after).
    static func isSame(input: Int, output: Int, kernel: Int, stride: Int, dilation: Int, pad: Int) -> Bool {
        let effective = (kernel - 1) * dilation + 1
        let out = (input + stride - 1) / stride
        let total = max((out - 1) * stride + effective - input, 0)
        return out == output && pad == total / 2
    }

    /// The padding after the input that our geometry implies (the rows the last window needs).
    func trailingPad(input: Int, output: Int, kernel: Int, stride: Int, dilation: Int, pad: Int) throws -> Int {
        let effective = (kernel - 1) * dilation + 1
        let after = (output - 1) * stride + effective - input - pad
        guard after >= 0 else { throw problem("a window geometry that drops input rows (pad \(pad), kernel \(kernel), stride \(stride) on \(input)) has no TFLite equivalent") }
        return after
    }

    /// `x` (Int8Model tensor) padded for the window op producing `y`: the TFLite tensor to
    /// read and the padding mode. Uses SAME where it is ours and `allowSame`, else PAD (zero
    /// point) or, with `padValue`, PADV2 with that int8 value, then VALID.
    mutating func padded(_ x: Int, for y: Int, geometry g: ConvGeometry, allowSame: Bool, padValue: Int8? = nil) throws
        -> (Int32, S.Padding) {
        let xs = model.tensors[x], ys = model.tensors[y]
        let input = activation(x)
        if g.padH == 0 && g.padW == 0 {
            // VALID is ours when no padding is needed after the input either.
            let afterH = try trailingPad(input: xs.height, output: ys.height, kernel: g.kernelH, stride: g.strideH, dilation: g.dilationH, pad: 0)
            let afterW = try trailingPad(input: xs.width, output: ys.width, kernel: g.kernelW, stride: g.strideW, dilation: g.dilationW, pad: 0)
            if afterH == 0 && afterW == 0 { return (input, .valid) }
        }
        if allowSame
            && Self.isSame(input: xs.height, output: ys.height, kernel: g.kernelH, stride: g.strideH, dilation: g.dilationH, pad: g.padH)
            && Self.isSame(input: xs.width, output: ys.width, kernel: g.kernelW, stride: g.strideW, dilation: g.dilationW, pad: g.padW) {
            return (input, .same)
        }
        let afterH = try trailingPad(input: xs.height, output: ys.height, kernel: g.kernelH, stride: g.strideH, dilation: g.dilationH, pad: g.padH)
        let afterW = try trailingPad(input: xs.width, output: ys.width, kernel: g.kernelW, stride: g.strideW, dilation: g.dilationW, pad: g.padW)
        let amounts = [0, 0, Int32(g.padH), Int32(afterH), Int32(g.padW), Int32(afterW), 0, 0]
        let paddings = int32Constant(amounts, shape: [4, 2], name: "paddings_\(x)_\(y)")
        let out = addTensor(shape: [1, xs.height + g.padH + afterH, xs.width + g.padW + afterW, xs.channels], type: .int8,
                            name: "padded_\(x)_for_\(y)", quantization: activationQuantization(x))
        if let v = padValue {
            let value = addTensor(shape: [], type: .int8, name: "pad_value_\(x)_\(y)", quantization: activationQuantization(x),
                                  data: [UInt8(bitPattern: v)])
            addOperator(.padV2, version: 2, inputs: [input, paddings, value], outputs: [out])
        } else {
            addOperator(.pad, version: 2, inputs: [input, paddings], outputs: [out])
        }
        return (out, .valid)
    }

    // MARK: Ops with checks

    /// The fused activation whose TFLite clamp (from the output scale) is `bounds`.
    func fusedActivation(_ bounds: (Int32, Int32), output q: ActivationQuantization) throws -> S.Activation {
        for (kind, fused) in [(ActivationBound.none, S.Activation.none), (.relu, .relu), (.relu6, .relu6)] {
            let b = q.activationBounds(kind)
            if b == bounds { return fused }
        }
        throw problem("clamp [\(bounds.0), \(bounds.1)] is no fused activation TFLite computes for scale \(q.scale), zero point \(q.zeroPoint)")
    }

    mutating func addConvolution(input i: Int, output out: Int, geometry g: ConvGeometry, depthwise: Bool, bounds: (Int32, Int32),
                                 weights: [Int8], bias: [Int32], multipliers: [QuantizedMultiplier], weightScales: [Double]) throws {
        let xs = model.tensors[i], ys = model.tensors[out]
        let cout = ys.channels, cin = xs.channels
        guard weightScales.count == cout, bias.count == cout, multipliers.count == cout else {
            throw problem("convolution \(i) -> \(out) has no per-channel weight scales (a model quantized before the TFLite export existed?)")
        }
        // TFLite: multiplier_c = double(s_in) * double(s_w[c]) / double(s_out), from the file's float32s.
        let sIn = Double(Float(xs.quantization.scale)), sOut = Double(Float(ys.quantization.scale))
        for c in 0..<cout {
            let tflite = try quantizeMultiplier(sIn * Double(Float(weightScales[c])) / sOut)
            guard tflite == multipliers[c] else {
                throw problem("convolution \(i) -> \(out), channel \(c): TFLite derives multiplier \(tflite) from the float32 scales, the blob has \(multipliers[c])")
            }
        }
        let fused = try fusedActivation(bounds, output: ys.quantization)
        let (x, padding) = try padded(i, for: out, geometry: g, allowSame: true)
        let kh = g.kernelH, kw = g.kernelW
        let filterData: [UInt8]
        let filterShape: [Int]
        if depthwise {
            guard weights.count == kh * kw * cout, cin == cout else { throw problem("depthwise weights of \(i) -> \(out)") }
            filterData = weights.map { UInt8(bitPattern: $0) }
            filterShape = [1, kh, kw, cout]
        } else {
            let row = denseRowBytes(kernelH: kh, kernelW: kw, inputChannels: cin), per = kh * kw * cin
            guard weights.count == cout * row else { throw problem("dense weights of \(i) -> \(out)") }
            var ohwi = [UInt8](repeating: 0, count: cout * per)
            for o in 0..<cout {
                for k in 0..<per { ohwi[o * per + k] = UInt8(bitPattern: weights[o * row + k]) }
            }
            filterData = ohwi
            filterShape = [cout, kh, kw, cin]
        }
        let filter = addTensor(shape: filterShape, type: .int8, name: "weights_\(out)",
                               quantization: Quantization(scales: weightScales.map { Float($0) },
                                                          zeroPoints: [Int64](repeating: 0, count: cout),
                                                          dimension: depthwise ? 3 : 0),
                               data: filterData)
        let biasTensor = addTensor(shape: [cout], type: .int32, name: "bias_\(out)",
                                   quantization: Quantization(scales: weightScales.map { Float(sIn * Double(Float($0))) },
                                                              zeroPoints: [Int64](repeating: 0, count: cout)),
                                   data: littleEndianBytes(bias))
        let y = activation(out)
        var o = FlatTable()
        if depthwise {
            o[S.DepthwiseConv2DOptions.padding] = .uint8(padding.rawValue)
            o[S.DepthwiseConv2DOptions.strideW] = .int32(Int32(g.strideW))
            o[S.DepthwiseConv2DOptions.strideH] = .int32(Int32(g.strideH))
            o[S.DepthwiseConv2DOptions.depthMultiplier] = .int32(1)
            o[S.DepthwiseConv2DOptions.activation] = .uint8(fused.rawValue)
            o[S.DepthwiseConv2DOptions.dilationW] = .int32(Int32(g.dilationW))
            o[S.DepthwiseConv2DOptions.dilationH] = .int32(Int32(g.dilationH))
            addOperator(.depthwiseConv2D, version: 3, inputs: [x, filter, biasTensor], outputs: [y], options: (.depthwiseConv2D, o))
        } else {
            o[S.Conv2DOptions.padding] = .uint8(padding.rawValue)
            o[S.Conv2DOptions.strideW] = .int32(Int32(g.strideW))
            o[S.Conv2DOptions.strideH] = .int32(Int32(g.strideH))
            o[S.Conv2DOptions.activation] = .uint8(fused.rawValue)
            o[S.Conv2DOptions.dilationW] = .int32(Int32(g.dilationW))
            o[S.Conv2DOptions.dilationH] = .int32(Int32(g.dilationH))
            addOperator(.conv2D, version: 3, inputs: [x, filter, biasTensor], outputs: [y], options: (.conv2D, o))
        }
    }

    /// TFLite's int8 ADD parameters (left shift 20, inputs rescaled to twice the larger input
    /// scale, all from the float32 scales) must be the blob's.
    func checkAdd(_ a: Int, _ b: Int, _ out: Int, leftShift: Int32, _ m1: QuantizedMultiplier, _ m2: QuantizedMultiplier,
                  _ mo: QuantizedMultiplier, bounds: (Int32, Int32)) throws {
        let s1 = Float(model.tensors[a].quantization.scale), s2 = Float(model.tensors[b].quantization.scale)
        let so = Float(model.tensors[out].quantization.scale)
        let twiceMax = Double(2 * max(s1, s2))
        let expected = [try quantizeMultiplier(Double(s1) / twiceMax), try quantizeMultiplier(Double(s2) / twiceMax),
                        try quantizeMultiplier(twiceMax / Double(Float(1 << 20) * so))]
        guard leftShift == 20, expected == [m1, m2, mo], bounds == (-128, 127) else {
            throw problem("add \(a) + \(b) -> \(out): TFLite derives other parameters (\(expected)) than the blob's (\([m1, m2, mo]), left shift \(leftShift))")
        }
    }

    mutating func addPool(input i: Int, output out: Int, maximum: Bool, geometry g: ConvGeometry) throws {
        guard model.tensors[i].quantization == model.tensors[out].quantization else {
            throw problem("pool \(i) -> \(out) changes quantization parameters")
        }
        // Max pooling ignores padding in both (SAME, or PADV2 with the int8 minimum); average
        // pooling counts it as 0.0 here, so it is padded explicitly.
        let (x, padding) = try padded(i, for: out, geometry: g, allowSame: maximum, padValue: maximum ? -128 : nil)
        let y = activation(out)
        var o = FlatTable()
        o[S.Pool2DOptions.padding] = .uint8(padding.rawValue)
        o[S.Pool2DOptions.strideW] = .int32(Int32(g.strideW))
        o[S.Pool2DOptions.strideH] = .int32(Int32(g.strideH))
        o[S.Pool2DOptions.filterWidth] = .int32(Int32(g.kernelW))
        o[S.Pool2DOptions.filterHeight] = .int32(Int32(g.kernelH))
        o[S.Pool2DOptions.activation] = .uint8(S.Activation.none.rawValue)
        addOperator(maximum ? .maxPool2D : .averagePool2D, version: 2, inputs: [x], outputs: [y], options: (.pool2D, o))
    }

    // MARK: Serialisation

    func flatbuffer(description: String) -> [UInt8] {
        var subgraph = FlatTable()
        subgraph[S.SubGraph.tensors] = .offset(.vector(.objects(tensors)))
        subgraph[S.SubGraph.inputs] = .offset(.vector(.int32(inputs)))
        subgraph[S.SubGraph.outputs] = .offset(.vector(.int32(outputs)))
        subgraph[S.SubGraph.operators] = .offset(.vector(.objects(operators)))
        subgraph[S.SubGraph.name] = .offset(.string("main"))
        let codes: [FlatObject] = operatorCodes.map { code, version in
            var t = FlatTable()
            // Readers take max(deprecated_builtin_code, builtin_code); the byte holds codes < 127.
            t[S.OperatorCode.deprecatedBuiltinCode] = .int8(Int8(min(code.rawValue, 127)))
            t[S.OperatorCode.version] = .int32(version)
            t[S.OperatorCode.builtinCode] = .int32(code.rawValue)
            return .table(t)
        }
        var root = FlatTable()
        root[S.Model.version] = .uint32(S.version)
        root[S.Model.operatorCodes] = .offset(.vector(.objects(codes)))
        root[S.Model.subgraphs] = .offset(.vector(.objects([.table(subgraph)])))
        root[S.Model.description] = .offset(.string(description))
        root[S.Model.buffers] = .offset(.vector(.objects(buffers)))
        return FlatBuffer.write(root: root, identifier: S.fileIdentifier)
    }
}
