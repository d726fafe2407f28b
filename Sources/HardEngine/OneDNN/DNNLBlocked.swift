import CDNNL

// oneDNN's side of the fast inference plan (Inference/BlockedInference.swift): the blocked
// activation layout nChw8c, memory objects over the plan's buffers, convolution and pooling
// primitives with their arguments bound once, and the plain NCHW <-> blocked reorders at the
// plan's edges. The plan itself never calls oneDNN.

/// The plan's activation layout: channels in blocks of `channelBlock` (nChw8c: the AVX2
/// kernels' native layout). Element (c, y, x) of a (1, C, H, W) tensor sits at float index
/// ((c / 8) * H * W + y * W + x) * 8 + c % 8; padding lanes of the last block stay zero.
enum BlockedLayout {
    static let channelBlock = 8

    /// Blocks of 8 that hold c channels.
    static func blocks(_ c: Int) -> Int { (c + 7) / 8 }

    static func desc(_ shape: [Int]) throws -> MemoryDesc { try memoryDesc(shape, dnnl_nChw8c) }
    static func plain(_ shape: [Int]) throws -> MemoryDesc { try plainDesc(shape) }
    static func bytes(_ desc: MemoryDesc) -> Int { byteSize(desc) }
}

/// A primitive with its arguments bound to fixed memory: one step of the plan.
final class BoundPrimitive {
    let primitive: Primitive
    private let args: [dnnl_exec_arg_t]
    private let memories: [Memory]

    init(_ primitive: Primitive, _ args: [(Int32, Memory)]) {
        self.primitive = primitive
        self.args = args.map { dnnl_exec_arg_t(arg: $0.0, memory: $0.1.handle) }
        memories = args.map(\.1)
    }

    var implementation: String { primitive.implementation }

    /// Queues the primitive on the engine's stream (`BlockedStream.wait` completes it).
    func execute() throws {
        try check(dnnl_primitive_execute(primitive.primitive, OneDNN.context.stream, Int32(args.count), args),
                  "execute(\(primitive.name))")
    }
}

enum BlockedStream {
    /// Waits until every queued primitive has run.
    static func wait() throws { try check(dnnl_stream_wait(OneDNN.context.stream), "stream_wait") }
}

/// A dense or grouped convolution on blocked activations: weights reordered once into the
/// layout the primitive wants; bias, ReLU/ReLU6 and an optional residual add fused
/// (`DNNLConvolution.forwardPrimitive`, shared with the op-by-op path).
final class BlockedConvolution {
    let primitive: Primitive
    let weights: Memory
    private let weightBuffer: RawBuffer
    private let bias: Memory?
    private let biasTensor: Tensor?

    /// `input`/`output`/`residual`: the layouts of the source, destination and residual.
    init(_ c: ConvolutionNode, inputShape: [Int], input: MemoryDesc, output: MemoryDesc, residual: MemoryDesc?) throws {
        let w = c.weight, g = c.geometry
        let cout = w.shape[0], kh = w.shape[2], kw = w.shape[3], cin = inputShape[1]
        let wdims = g.groups == 1 ? [cout, cin, kh, kw] : [g.groups, cout / g.groups, cin / g.groups, kh, kw]
        let biasDesc = try plainDesc([cout])
        let activation: EltwiseOp? = c.activation == .none ? nil : c.activation == .relu ? .relu : .clip(low: 0, high: 6)
        primitive = try DNNLConvolution.forwardPrimitive(
            "conv2d.blocked[\(inputShape)->\(cout) k\(kh) \(g)]", ConvShapes(x: inputShape, weight: w.shape, geometry: g),
            src: input, weights: try memoryDesc(wdims, dnnl_format_tag_any), bias: c.bias == nil ? nil : biasDesc,
            dst: output, training: false, activation: activation, residual: residual)
        // Weights: once into the primitive's layout.
        let inner = primitive.desc(arg: DNNL_ARG_WEIGHTS)
        weightBuffer = RawBuffer(size: byteSize(inner))
        weights = try Memory(inner, weightBuffer.pointer)
        let plain = try Memory(try plainDesc(wdims), w.pointer.raw)
        try makeReorder(from: try plainDesc(wdims), to: inner).execute([(DNNL_ARG_FROM, plain), (DNNL_ARG_TO, weights)])
        biasTensor = c.bias?.copy()
        bias = try biasTensor.map { try Memory(biasDesc, $0.pointer.raw) }
    }

    var implementation: String { primitive.implementation }

    func bind(source: Memory, destination: Memory, residual: Memory?) -> BoundPrimitive {
        var args: [(Int32, Memory)] = [(DNNL_ARG_SRC, source), (DNNL_ARG_WEIGHTS, weights), (DNNL_ARG_DST, destination)]
        if let bias { args.append((DNNL_ARG_BIAS, bias)) }
        if let residual { args.append((DNNL_ARG_ATTR_MULTIPLE_POST_OP_BASE * 1 | DNNL_ARG_SRC_1, residual)) }
        return BoundPrimitive(primitive, args)
    }
}

enum BlockedPool {
    /// oneDNN's pooling on blocked activations, bound to `source` and `destination`.
    static func bind(_ kind: PoolKind, _ g: Pool2dGeometry, input: [Int], output: [Int], source: (MemoryDesc, Memory),
                     destination: (MemoryDesc, Memory)) throws -> BoundPrimitive {
        let p = DNNLPooling.Params(kind, g, input: input, output: output)
        var s = source.0, d = destination.0
        var desc = dnnl_pooling_v2_desc_t()
        try check(dnnl_pooling_v2_forward_desc_init(&desc, dnnl_forward_inference, p.alg, &s, &d, p.strides, p.kernel,
                                                    p.dilation, p.padL, p.padR), "pooling_v2_forward_desc_init (blocked)")
        let primitive = try Primitive("\(kind)_pool.blocked", desc: &desc)
        return BoundPrimitive(primitive, [(DNNL_ARG_SRC, source.1), (DNNL_ARG_DST, destination.1)])
    }
}

/// The plan's edge: a plain NCHW tensor of the caller's, rebound per run, and a reorder
/// between it and a blocked buffer of the plan.
final class PlainEdge {
    let plain: Memory
    private let reorder: Primitive
    private let blocked: Memory
    private let toBlocked: Bool

    /// `toBlocked`: the caller's tensor is reordered into `blocked` (an input), else out of it.
    init(shape: [Int], blocked: Memory, blockedDesc: MemoryDesc, toBlocked: Bool) throws {
        let plainDesc = try BlockedLayout.plain(shape)
        plain = try Memory(plainDesc, nil)
        reorder = toBlocked ? try makeReorder(from: plainDesc, to: blockedDesc) : try makeReorder(from: blockedDesc, to: plainDesc)
        self.blocked = blocked
        self.toBlocked = toBlocked
    }

    /// Points the plain side at `pointer` (the caller's tensor for this run).
    func bind(_ pointer: UnsafeMutablePointer<Float>) throws {
        try check(dnnl_memory_set_data_handle(plain.handle, pointer.raw), "memory_set_data_handle")
    }

    func execute() throws {
        let args = toBlocked ? [dnnl_exec_arg_t(arg: DNNL_ARG_FROM, memory: plain.handle), dnnl_exec_arg_t(arg: DNNL_ARG_TO, memory: blocked.handle)]
            : [dnnl_exec_arg_t(arg: DNNL_ARG_FROM, memory: blocked.handle), dnnl_exec_arg_t(arg: DNNL_ARG_TO, memory: plain.handle)]
        try check(dnnl_primitive_execute(reorder.primitive, OneDNN.context.stream, 2, args), "execute(reorder)")
    }
}
