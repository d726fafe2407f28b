import CDNNL

/// oneDNN batch normalisation with separate scale (gamma) and shift (beta); in eval mode
/// `use_global_stats` makes mean/variance inputs. Plain NCHW layout.
enum DNNLBatchNorm {
    static func flags(training: Bool) -> UInt32 {
        var f = dnnl_use_scale.rawValue | dnnl_use_shift.rawValue
        if !training { f |= dnnl_use_global_stats.rawValue }
        return f
    }

    final class Entry {
        let forward: Primitive
        var backward: Primitive?
        let data: MemoryDesc
        let channels: MemoryDesc

        init(shape: [Int], training: Bool, eps: Float) throws {
            var md = try plainDesc(shape)
            data = md
            channels = try plainDesc([shape[1]])
            var d = dnnl_batch_normalization_desc_t()
            try check(dnnl_batch_normalization_forward_desc_init(&d, dnnl_forward_training, &md, eps, flags(training: training)),
                      "batch_normalization_forward_desc_init \(shape)")
            forward = try Primitive("batch_norm[\(shape)]", desc: &d)
        }
    }

    static func entry(_ shape: [Int], training: Bool, eps: Float) throws -> Entry {
        try PrimitiveCache.get("batch_norm:\(shape):\(training):\(eps)") { try Entry(shape: shape, training: training, eps: eps) }
    }

    static func forward(x: Tensor, gamma: Tensor, beta: Tensor, mean: Tensor, variance: Tensor, y: Tensor,
                        training: Bool, eps: Float) throws {
        let e = try entry(x.shape, training: training, eps: eps)
        try e.forward.execute([
            (DNNL_ARG_SRC, try Memory(e.data, x.pointer.raw)), (DNNL_ARG_DST, try Memory(e.data, y.pointer.raw)),
            (DNNL_ARG_SCALE, try Memory(e.channels, gamma.pointer.raw)), (DNNL_ARG_SHIFT, try Memory(e.channels, beta.pointer.raw)),
            (DNNL_ARG_MEAN, try Memory(e.channels, mean.pointer.raw)), (DNNL_ARG_VARIANCE, try Memory(e.channels, variance.pointer.raw)),
        ])
    }

    static func backward(x: Tensor, gamma: Tensor, beta: Tensor, mean: Tensor, variance: Tensor, dy: Tensor,
                         dx: Tensor, dgamma: Tensor, dbeta: Tensor, training: Bool, eps: Float) throws {
        let e = try entry(x.shape, training: training, eps: eps)
        if e.backward == nil {
            var md = e.data, dmd = e.data
            var d = dnnl_batch_normalization_desc_t()
            try check(dnnl_batch_normalization_backward_desc_init(&d, dnnl_backward, &dmd, &md, eps, flags(training: training)),
                      "batch_normalization_backward_desc_init \(x.shape)")
            e.backward = try Primitive("batch_norm.backward[\(x.shape)]", desc: &d, hint: e.forward)
        }
        try e.backward!.execute([
            (DNNL_ARG_SRC, try Memory(e.data, x.pointer.raw)), (DNNL_ARG_DIFF_DST, try Memory(e.data, dy.pointer.raw)),
            (DNNL_ARG_MEAN, try Memory(e.channels, mean.pointer.raw)), (DNNL_ARG_VARIANCE, try Memory(e.channels, variance.pointer.raw)),
            (DNNL_ARG_SCALE, try Memory(e.channels, gamma.pointer.raw)), (DNNL_ARG_SHIFT, try Memory(e.channels, beta.pointer.raw)),
            (DNNL_ARG_DIFF_SRC, try Memory(e.data, dx.pointer.raw)),
            (DNNL_ARG_DIFF_SCALE, try Memory(e.channels, dgamma.pointer.raw)),
            (DNNL_ARG_DIFF_SHIFT, try Memory(e.channels, dbeta.pointer.raw)),
        ])
    }
}
