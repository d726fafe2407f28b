import CDNNL

/// oneDNN reduction of a whole tensor to one value (sum or mean).
enum DNNLReduction {
    static func reduce(_ x: Tensor, mean: Bool) throws -> Float {
        let dims = [x.count]
        let p = try PrimitiveCache.get("reduce:\(mean):\(x.count)") { () -> Primitive in
            var s = try plainDesc(dims), d = try plainDesc([1])
            var desc = dnnl_reduction_desc_t()
            try check(dnnl_reduction_desc_init(&desc, mean ? dnnl_reduction_mean : dnnl_reduction_sum, &s, &d, 0, 0),
                      "reduction_desc_init")
            return try Primitive(mean ? "mean" : "sum", desc: &desc)
        }
        var out: Float = 0
        try withUnsafeMutablePointer(to: &out) { o in
            try p.execute([(DNNL_ARG_SRC, try Memory(try plainDesc(dims), x.pointer.raw)),
                           (DNNL_ARG_DST, try Memory(try plainDesc([1]), UnsafeMutableRawPointer(o)))])
        }
        return out
    }
}
