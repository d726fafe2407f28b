import CDNNL

/// oneDNN log-softmax over the channel axis (axis 1) of plain NCHW tensors.
enum DNNLSoftmax {
    static func forwardPrimitive(_ shape: [Int]) throws -> Primitive {
        try PrimitiveCache.get("logsoftmax:\(shape)") { () -> Primitive in
            var md = try plainDesc(shape)
            var d = dnnl_logsoftmax_desc_t()
            try check(dnnl_logsoftmax_forward_desc_init(&d, dnnl_forward_training, &md, 1), "logsoftmax_forward_desc_init")
            return try Primitive("logsoftmax", desc: &d)
        }
    }

    static func logSoftmax(_ x: Tensor) throws -> Tensor {
        let p = try forwardPrimitive(x.shape)
        let out = Tensor.uninitialized(x.shape)
        let md = try plainDesc(x.shape)
        try p.execute([(DNNL_ARG_SRC, try Memory(md, x.pointer.raw)), (DNNL_ARG_DST, try Memory(md, out.pointer.raw))])
        return out
    }

    static func logSoftmaxBackward(logProbs: Tensor, dLogProbs: Tensor, dx: Tensor) throws {
        let hint = try forwardPrimitive(logProbs.shape)
        let p = try PrimitiveCache.get("logsoftmax.backward:\(logProbs.shape)") { () -> Primitive in
            var md = try plainDesc(logProbs.shape)
            var dmd = md
            var d = dnnl_logsoftmax_desc_t()
            try check(dnnl_logsoftmax_backward_desc_init(&d, &dmd, &md, 1), "logsoftmax_backward_desc_init")
            return try Primitive("logsoftmax.backward", desc: &d, hint: hint)
        }
        let md = try plainDesc(logProbs.shape)
        try p.execute([(DNNL_ARG_DST, try Memory(md, logProbs.pointer.raw)), (DNNL_ARG_DIFF_DST, try Memory(md, dLogProbs.pointer.raw)),
                       (DNNL_ARG_DIFF_SRC, try Memory(md, dx.pointer.raw))])
    }
}
