import CDNNL

/// oneDNN linear resampling (half-pixel coordinates, factors from the two sizes).
enum DNNLResampling {
    static func forwardPrimitive(_ src: [Int], _ dst: [Int]) throws -> Primitive {
        try PrimitiveCache.get("resample:\(src)->\(dst)") { () -> Primitive in
            var s = try plainDesc(src), d = try plainDesc(dst)
            var desc = dnnl_resampling_desc_t()
            try check(dnnl_resampling_forward_desc_init(&desc, dnnl_forward_training, dnnl_resampling_linear, nil, &s, &d),
                      "resampling_forward_desc_init \(src)->\(dst)")
            return try Primitive("resize_bilinear", desc: &desc)
        }
    }

    static func forward(x: Tensor, y: Tensor) throws {
        let p = try forwardPrimitive(x.shape, y.shape)
        try p.execute([(DNNL_ARG_SRC, try Memory(try plainDesc(x.shape), x.pointer.raw)),
                       (DNNL_ARG_DST, try Memory(try plainDesc(y.shape), y.pointer.raw))])
    }

    static func backward(dy: Tensor, dx: Tensor) throws {
        let hint = try forwardPrimitive(dx.shape, dy.shape)
        let p = try PrimitiveCache.get("resample.backward:\(dx.shape)<-\(dy.shape)") { () -> Primitive in
            var s = try plainDesc(dx.shape), d = try plainDesc(dy.shape)
            var desc = dnnl_resampling_desc_t()
            try check(dnnl_resampling_backward_desc_init(&desc, dnnl_resampling_linear, nil, &s, &d),
                      "resampling_backward_desc_init")
            return try Primitive("resize_bilinear.backward", desc: &desc, hint: hint)
        }
        try p.execute([(DNNL_ARG_DIFF_DST, try Memory(try plainDesc(dy.shape), dy.pointer.raw)),
                       (DNNL_ARG_DIFF_SRC, try Memory(try plainDesc(dx.shape), dx.pointer.raw))])
    }
}
