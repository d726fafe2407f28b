import CDNNL

/// oneDNN log-softmax over the channel axis (axis 1). The primitive runs on NHWC, where
/// the channel axis is dense and oneDNN has JIT kernels (plain NCHW only gets the
/// generic reference one); reorders bridge to the NCHW tensors.
enum DNNLSoftmax {
    static func forwardPrimitive(_ shape: [Int]) throws -> BridgedPrimitive {
        try PrimitiveCache.get("logsoftmax:\(shape)") { () -> BridgedPrimitive in
            var md = try memoryDesc(shape, dnnl_nhwc)
            var d = dnnl_logsoftmax_desc_t()
            try check(dnnl_logsoftmax_forward_desc_init(&d, dnnl_forward_training, &md, 1), "logsoftmax_forward_desc_init")
            let p = try Primitive("logsoftmax", desc: &d)
            return try BridgedPrimitive(p, args: [(DNNL_ARG_SRC, try plainDesc(shape), false), (DNNL_ARG_DST, try plainDesc(shape), true)])
        }
    }

    static func logSoftmax(_ x: Tensor) throws -> Tensor {
        let out = Tensor.uninitialized(x.shape)
        try forwardPrimitive(x.shape).run([DNNL_ARG_SRC: x.pointer.raw, DNNL_ARG_DST: out.pointer.raw])
        return out
    }
}
