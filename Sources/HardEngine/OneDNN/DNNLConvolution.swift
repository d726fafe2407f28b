import CDNNL

/// oneDNN convolution primitives (forward, backward data, backward weights), with
/// `format_tag_any` so the JIT kernels get their blocked layouts; tensors stay NCHW outside.
enum DNNLConvolution {
    /// Descriptors shared by the three directions of one configuration.
    struct Descs {
        let src: MemoryDesc, weights: MemoryDesc, bias: MemoryDesc, dst: MemoryDesc
        let srcAny: MemoryDesc, weightsAny: MemoryDesc, dstAny: MemoryDesc
        let strides: [Int64], dilates: [Int64], padL: [Int64], padR: [Int64]

        init(_ s: ConvShapes) throws {
            let g = s.g
            src = try plainDesc([s.n, s.cin, s.h, s.w])
            dst = try plainDesc([s.n, s.cout, s.oh, s.ow])
            bias = try plainDesc([s.cout])
            // (Cout, Cin/g, kh, kw) in memory is oihw, or goihw with the groups split out.
            let wdims = g.groups == 1 ? [s.cout, s.cin, s.kh, s.kw] : [g.groups, s.coutPerGroup, s.cinPerGroup, s.kh, s.kw]
            weights = try plainDesc(wdims)
            // oneDNN picks its layouts (blocked on AVX2/AVX-512). Forcing plain NCHW for 1x1
            // convolutions (one GEMM, no reorders) measured only ~5 % faster on HARD-XXS
            // inference, and oneDNN's GEMM path runs fused post-ops on a slow generic kernel.
            let plain = false
            srcAny = plain ? src : try memoryDesc([s.n, s.cin, s.h, s.w], dnnl_format_tag_any)
            dstAny = plain ? dst : try memoryDesc([s.n, s.cout, s.oh, s.ow], dnnl_format_tag_any)
            weightsAny = plain ? weights : try memoryDesc(wdims, dnnl_format_tag_any)
            (strides, dilates, padL, padR) = DNNLConvolution.geometry(s)
        }
    }

    /// oneDNN's strides, dilations (extra gaps, so PyTorch's d - 1), left and right padding;
    /// the right padding makes oneDNN's output size equal PyTorch's floor rule.
    static func geometry(_ s: ConvShapes) -> (strides: [Int64], dilates: [Int64], padL: [Int64], padR: [Int64]) {
        let g = s.g
        return ([Int64(g.strideH), Int64(g.strideW)], [Int64(g.dilationH - 1), Int64(g.dilationW - 1)],
                [Int64(g.padH), Int64(g.padW)],
                [Int64((s.oh - 1) * g.strideH + (s.kh - 1) * g.dilationH + 1 - s.h - g.padH),
                 Int64((s.ow - 1) * g.strideW + (s.kw - 1) * g.dilationW + 1 - s.w - g.padW)])
    }

    /// The forward primitive for `s` on the given layouts, with the activation (an eltwise
    /// post-op) and a residual add (a binary post-op: dst = act(conv) + residual) fused:
    /// the one place a oneDNN convolution is described, for the op-by-op path and the plan.
    static func forwardPrimitive(_ name: String, _ s: ConvShapes, src: MemoryDesc, weights: MemoryDesc, bias: MemoryDesc?,
                                 dst: MemoryDesc, training: Bool, activation: EltwiseOp?,
                                 residual: MemoryDesc? = nil) throws -> Primitive {
        var d = dnnl_convolution_desc_t()
        var src = src, w = weights, dst = dst
        let (strides, dilates, padL, padR) = geometry(s)
        try withOptionalPointer(bias) { bp in
            try check(dnnl_dilated_convolution_forward_desc_init(
                &d, training ? dnnl_forward_training : dnnl_forward_inference, dnnl_convolution_direct,
                &src, &w, bp, &dst, strides, dilates, padL, padR),
                "convolution_forward_desc_init \(s.key)")
        }
        guard activation != nil || residual != nil else { return try Primitive(name, desc: &d) }
        var attr: dnnl_primitive_attr_t?
        var ops: dnnl_post_ops_t?
        try check(dnnl_primitive_attr_create(&attr), "primitive_attr_create")
        defer { dnnl_primitive_attr_destroy(attr) }
        try check(dnnl_post_ops_create(&ops), "post_ops_create")
        defer { dnnl_post_ops_destroy(ops) }
        if let activation {
            // Inference: the activation runs inside the convolution (an eltwise post-op).
            var (alg, alpha, beta) = DNNLEltwise.params(activation)
            // Forward only: clip and clip_v2 agree, and the GEMM convolution's post-op
            // path has a JIT kernel for clip but not for clip_v2 (measured 12 ms vs 0.5 ms).
            if alg == dnnl_eltwise_clip_v2 { alg = dnnl_eltwise_clip }
            try check(dnnl_post_ops_append_eltwise(ops, 1, alg, alpha, beta), "post_ops_append_eltwise")
        }
        if var r = residual {
            try check(dnnl_post_ops_append_binary(ops, dnnl_binary_add, &r), "post_ops_append_binary")
        }
        try check(dnnl_primitive_attr_set_post_ops(attr, ops), "primitive_attr_set_post_ops")
        return try Primitive(name, desc: &d, attr: attr)
    }

    final class Entry {
        let descs: Descs
        let forwardPD: Primitive
        let forward: BridgedPrimitive
        var backwardData: BridgedPrimitive?
        var backwardWeights: BridgedPrimitive?
        var backwardWeightsNoBias: BridgedPrimitive?

        init(_ s: ConvShapes, hasBias: Bool, training: Bool, activation: EltwiseOp? = nil) throws {
            let descs = try Descs(s)
            self.descs = descs
            forwardPD = try DNNLConvolution.forwardPrimitive(
                "conv2d\(activation.map { "+\($0)" } ?? "")[\(s.key)]", s, src: descs.srcAny, weights: descs.weightsAny,
                bias: hasBias ? descs.bias : nil, dst: descs.dstAny, training: training, activation: activation)
            var args: [(arg: Int32, user: MemoryDesc, isOutput: Bool)] = [
                (DNNL_ARG_SRC, descs.src, false), (DNNL_ARG_WEIGHTS, descs.weights, false), (DNNL_ARG_DST, descs.dst, true),
            ]
            if hasBias { args.append((DNNL_ARG_BIAS, descs.bias, false)) }
            forward = try BridgedPrimitive(forwardPD, args: args)
        }
    }

    static func entry(_ s: ConvShapes, hasBias: Bool, training: Bool) throws -> Entry {
        try PrimitiveCache.get("conv2d:\(s.key):bias\(hasBias):train\(training)") {
            try Entry(s, hasBias: hasBias, training: training)
        }
    }

    static func forward(_ s: ConvShapes, x: Tensor, weight: Tensor, bias: Tensor?, y: Tensor, training: Bool,
                        activation: EltwiseOp? = nil) throws {
        let e = activation == nil ? try entry(s, hasBias: bias != nil, training: training)
            : try PrimitiveCache.get("conv2d:\(s.key):bias\(bias != nil):fused\(activation!)") {
                try Entry(s, hasBias: bias != nil, training: false, activation: activation)
            }
        var data: [Int32: UnsafeMutableRawPointer] = [
            DNNL_ARG_SRC: x.pointer.raw, DNNL_ARG_WEIGHTS: weight.pointer.raw, DNNL_ARG_DST: y.pointer.raw,
        ]
        if let bias { data[DNNL_ARG_BIAS] = bias.pointer.raw }
        try e.forward.run(data)
    }

    static func backwardData(_ s: ConvShapes, dy: Tensor, weight: Tensor, dx: Tensor) throws {
        let e = try entry(s, hasBias: false, training: true)
        if e.backwardData == nil {
            let ds = e.descs
            var d = dnnl_convolution_desc_t()
            var src = ds.srcAny, w = ds.weightsAny, dst = ds.dstAny
            try check(dnnl_dilated_convolution_backward_data_desc_init(
                &d, dnnl_convolution_direct, &src, &w, &dst, ds.strides, ds.dilates, ds.padL, ds.padR),
                "convolution_backward_data_desc_init \(s.key)")
            let p = try Primitive("conv2d.backward_data[\(s.key)]", desc: &d, hint: e.forwardPD)
            e.backwardData = try BridgedPrimitive(p, args: [
                (DNNL_ARG_DIFF_DST, ds.dst, false), (DNNL_ARG_WEIGHTS, ds.weights, false), (DNNL_ARG_DIFF_SRC, ds.src, true),
            ])
        }
        try e.backwardData!.run([
            DNNL_ARG_DIFF_DST: dy.pointer.raw, DNNL_ARG_WEIGHTS: weight.pointer.raw, DNNL_ARG_DIFF_SRC: dx.pointer.raw,
        ])
    }

    static func backwardWeights(_ s: ConvShapes, x: Tensor, dy: Tensor, dw: Tensor, db: Tensor?) throws {
        let hasBias = db != nil
        let e = try entry(s, hasBias: hasBias, training: true)
        let cached = hasBias ? e.backwardWeights : e.backwardWeightsNoBias
        let bw: BridgedPrimitive
        if let cached {
            bw = cached
        } else {
            let ds = e.descs
            var d = dnnl_convolution_desc_t()
            var src = ds.srcAny, w = ds.weightsAny, dst = ds.dstAny
            let b = ds.bias
            try withOptionalPointer(hasBias ? b : nil) { bp in
                try check(dnnl_dilated_convolution_backward_weights_desc_init(
                    &d, dnnl_convolution_direct, &src, &w, bp, &dst, ds.strides, ds.dilates, ds.padL, ds.padR),
                    "convolution_backward_weights_desc_init \(s.key)")
            }
            let p = try Primitive("conv2d.backward_weights[\(s.key)]", desc: &d, hint: e.forwardPD)
            var args: [(arg: Int32, user: MemoryDesc, isOutput: Bool)] = [
                (DNNL_ARG_SRC, ds.src, false), (DNNL_ARG_DIFF_DST, ds.dst, false), (DNNL_ARG_DIFF_WEIGHTS, ds.weights, true),
            ]
            if hasBias { args.append((DNNL_ARG_DIFF_BIAS, ds.bias, true)) }
            bw = try BridgedPrimitive(p, args: args)
            if hasBias { e.backwardWeights = bw } else { e.backwardWeightsNoBias = bw }
        }
        var data: [Int32: UnsafeMutableRawPointer] = [
            DNNL_ARG_SRC: x.pointer.raw, DNNL_ARG_DIFF_DST: dy.pointer.raw, DNNL_ARG_DIFF_WEIGHTS: dw.pointer.raw,
        ]
        if let db { data[DNNL_ARG_DIFF_BIAS] = db.pointer.raw }
        try bw.run(data)
    }
}
