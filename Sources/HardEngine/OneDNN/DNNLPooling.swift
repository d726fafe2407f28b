import CDNNL

/// oneDNN pooling (v2 descriptors, no dilation). Max pooling in training keeps a
/// workspace with the argmax that the backward pass reads. The primitive works on NHWC,
/// where oneDNN has JIT kernels (on plain NCHW it only has a slow generic one); reorders
/// bridge to and from the NCHW tensors.
enum DNNLPooling {
    struct Params {
        let strides: [Int64], kernel: [Int64], dilation: [Int64], padL: [Int64], padR: [Int64]
        let alg: dnnl_alg_kind_t

        init(_ kind: PoolKind, _ g: Pool2dGeometry, input: [Int], output: [Int]) {
            strides = [Int64(g.strideH), Int64(g.strideW)]
            kernel = [Int64(g.kernelH), Int64(g.kernelW)]
            dilation = [0, 0]
            padL = [Int64(g.padH), Int64(g.padW)]
            // Right padding so that oneDNN's output size equals the floor rule's.
            padR = [Int64((output[2] - 1) * g.strideH + g.kernelH - input[2] - g.padH),
                    Int64((output[3] - 1) * g.strideW + g.kernelW - input[3] - g.padW)]
            alg = kind == .max ? dnnl_pooling_max : dnnl_pooling_avg_include_padding
        }
    }

    static func forwardPrimitive(_ kind: PoolKind, _ g: Pool2dGeometry, _ input: [Int], _ output: [Int]) throws -> BridgedPrimitive {
        try PrimitiveCache.get("pool:\(kind):\(g):\(input)") { () -> BridgedPrimitive in
            let p = Params(kind, g, input: input, output: output)
            var s = try memoryDesc(input, dnnl_nhwc), d = try memoryDesc(output, dnnl_nhwc)
            var desc = dnnl_pooling_v2_desc_t()
            try check(dnnl_pooling_v2_forward_desc_init(&desc, dnnl_forward_training, p.alg, &s, &d, p.strides, p.kernel,
                                                        p.dilation, p.padL, p.padR), "pooling_v2_forward_desc_init \(input) \(g)")
            let prim = try Primitive("\(kind)_pool", desc: &desc)
            return try BridgedPrimitive(prim, args: [(DNNL_ARG_SRC, try plainDesc(input), false), (DNNL_ARG_DST, try plainDesc(output), true)])
        }
    }

    /// Runs the forward pass; returns the workspace for max pooling.
    static func forward(_ kind: PoolKind, _ g: Pool2dGeometry, x: Tensor, y: Tensor) throws -> RawBuffer? {
        let p = try forwardPrimitive(kind, g, x.shape, y.shape)
        var extra: [(Int32, Memory)] = []
        let wsDesc = p.primitive.desc(arg: DNNL_ARG_WORKSPACE)
        var workspace: RawBuffer? = nil
        if byteSize(wsDesc) > 0 {
            let ws = RawBuffer(size: byteSize(wsDesc))
            extra.append((DNNL_ARG_WORKSPACE, try Memory(wsDesc, ws.pointer)))
            workspace = ws
        }
        try p.run([DNNL_ARG_SRC: x.pointer.raw, DNNL_ARG_DST: y.pointer.raw], extra: extra)
        return workspace
    }

    static func backward(_ kind: PoolKind, _ g: Pool2dGeometry, dy: Tensor, dx: Tensor, workspace: RawBuffer?) throws {
        let hint = try forwardPrimitive(kind, g, dx.shape, dy.shape)
        let p = try PrimitiveCache.get("pool.backward:\(kind):\(g):\(dx.shape)") { () -> BridgedPrimitive in
            let pp = Params(kind, g, input: dx.shape, output: dy.shape)
            var s = try memoryDesc(dx.shape, dnnl_nhwc), d = try memoryDesc(dy.shape, dnnl_nhwc)
            var desc = dnnl_pooling_v2_desc_t()
            try check(dnnl_pooling_v2_backward_desc_init(&desc, pp.alg, &s, &d, pp.strides, pp.kernel, pp.dilation, pp.padL, pp.padR),
                      "pooling_v2_backward_desc_init")
            let prim = try Primitive("\(kind)_pool.backward", desc: &desc, hint: hint.primitive)
            return try BridgedPrimitive(prim, args: [(DNNL_ARG_DIFF_DST, try plainDesc(dy.shape), false),
                                                     (DNNL_ARG_DIFF_SRC, try plainDesc(dx.shape), true)])
        }
        var extra: [(Int32, Memory)] = []
        if let workspace { extra.append((DNNL_ARG_WORKSPACE, try Memory(p.primitive.desc(arg: DNNL_ARG_WORKSPACE), workspace.pointer))) }
        try p.run([DNNL_ARG_DIFF_DST: dy.pointer.raw, DNNL_ARG_DIFF_SRC: dx.pointer.raw], extra: extra)
    }
}
