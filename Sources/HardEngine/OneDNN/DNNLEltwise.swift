import CDNNL

/// oneDNN eltwise (ReLU, clip for ReLU6, linear for scaling) and binary add, on plain
/// layouts of any rank.
enum DNNLEltwise {
    static func params(_ op: EltwiseOp) -> (dnnl_alg_kind_t, Float, Float) {
        switch op {
        case .relu: return (dnnl_eltwise_relu, 0, 0)
        // clip_v2's derivative is 1 strictly inside (low, high), as PyTorch's hardtanh.
        case .clip(let lo, let hi): return (dnnl_eltwise_clip_v2, lo, hi)
        case .linear(let a): return (dnnl_eltwise_linear, a, 0)
        }
    }

    /// Flattened 1-D view: eltwise does not care about the shape, and one descriptor per
    /// element count keeps the cache small.
    static func forward(_ op: EltwiseOp, x: Tensor, y: Tensor) throws {
        let (alg, alpha, beta) = params(op)
        let p = try PrimitiveCache.get("eltwise:\(op):\(x.count)") { () -> Primitive in
            var md = try plainDesc([x.count])
            var d = dnnl_eltwise_desc_t()
            try check(dnnl_eltwise_forward_desc_init(&d, dnnl_forward_training, alg, &md, alpha, beta), "eltwise_forward_desc_init")
            return try Primitive("eltwise[\(op)]", desc: &d)
        }
        let md = try plainDesc([x.count])
        try p.execute([(DNNL_ARG_SRC, try Memory(md, x.pointer.raw)), (DNNL_ARG_DST, try Memory(md, y.pointer.raw))])
    }

    static func backward(_ op: EltwiseOp, x: Tensor, dy: Tensor, dx: Tensor) throws {
        let (alg, alpha, beta) = params(op)
        let p = try PrimitiveCache.get("eltwise.backward:\(op):\(x.count)") { () -> Primitive in
            var md = try plainDesc([x.count])
            var fwd = dnnl_eltwise_desc_t()
            try check(dnnl_eltwise_forward_desc_init(&fwd, dnnl_forward_training, alg, &md, alpha, beta), "eltwise_forward_desc_init")
            let hint = try Primitive("eltwise[\(op)]", desc: &fwd)
            var d = dnnl_eltwise_desc_t()
            var dmd = md
            try check(dnnl_eltwise_backward_desc_init(&d, alg, &dmd, &md, alpha, beta), "eltwise_backward_desc_init")
            return try Primitive("eltwise.backward[\(op)]", desc: &d, hint: hint)
        }
        let md = try plainDesc([x.count])
        try p.execute([
            (DNNL_ARG_SRC, try Memory(md, x.pointer.raw)), (DNNL_ARG_DIFF_DST, try Memory(md, dy.pointer.raw)),
            (DNNL_ARG_DIFF_SRC, try Memory(md, dx.pointer.raw)),
        ])
    }
}

enum DNNLBinary {
    static func add(_ a: Tensor, _ b: Tensor, y: Tensor) throws {
        let p = try PrimitiveCache.get("binary.add:\(a.count)") { () -> Primitive in
            var md = try plainDesc([a.count])
            var md1 = md, mdo = md
            var d = dnnl_binary_desc_t()
            try check(dnnl_binary_desc_init(&d, dnnl_binary_add, &md, &md1, &mdo), "binary_desc_init")
            return try Primitive("binary.add", desc: &d)
        }
        let md = try plainDesc([a.count])
        try p.execute([
            (DNNL_ARG_SRC_0, try Memory(md, a.pointer.raw)), (DNNL_ARG_SRC_1, try Memory(md, b.pointer.raw)),
            (DNNL_ARG_DST, try Memory(md, y.pointer.raw)),
        ])
    }
}
