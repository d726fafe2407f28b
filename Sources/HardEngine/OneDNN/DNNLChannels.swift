import CDNNL

/// Channel concatenation (concat primitive) and channel windows (reorders through
/// sub-memory descriptors), on plain NCHW.
enum DNNLChannels {
    static func concat(_ xs: [Tensor], y: Tensor) throws {
        let key = "concat:" + xs.map { "\($0.shape)" }.joined(separator: ",")
        let p = try PrimitiveCache.get(key) { () -> Primitive in
            let srcs = try xs.map { try plainDesc($0.shape) }
            var dst = try plainDesc(y.shape)
            var pd: dnnl_primitive_desc_t?
            try srcs.withUnsafeBufferPointer { buf in
                try check(dnnl_concat_primitive_desc_create(&pd, &dst, Int32(xs.count), 1, buf.baseAddress, nil, OneDNN.context.engine),
                          "concat_primitive_desc_create")
            }
            return try Primitive("concat", pd: pd!)
        }
        var args: [(Int32, Memory)] = [(DNNL_ARG_DST, try Memory(try plainDesc(y.shape), y.pointer.raw))]
        for (i, x) in xs.enumerated() {
            args.append((DNNL_ARG_MULTIPLE_SRC + Int32(i), try Memory(try plainDesc(x.shape), x.pointer.raw)))
        }
        try p.execute(args)
    }

    /// The window of `count` channels at `start` inside a plain (N, C, H, W) descriptor.
    static func window(of parent: [Int], start: Int, count: Int) throws -> MemoryDesc {
        var whole = try plainDesc(parent)
        var sub = MemoryDesc()
        let dims: [Int64] = [Int64(parent[0]), Int64(count), Int64(parent[2]), Int64(parent[3])]
        let offsets: [Int64] = [0, Int64(start), 0, 0]
        try check(dnnl_memory_desc_init_submemory(&sub, &whole, dims, offsets), "memory_desc_init_submemory")
        return sub
    }

    static func readSlice(_ x: Tensor, start: Int, into y: Tensor) throws {
        let sub = try window(of: x.shape, start: start, count: y.shape[1])
        let dst = try plainDesc(y.shape)
        let r = try PrimitiveCache.get("slice.read:\(x.shape):\(start):\(y.shape)") { try makeReorder(from: sub, to: dst) }
        try r.execute([(DNNL_ARG_FROM, try Memory(sub, x.pointer.raw)), (DNNL_ARG_TO, try Memory(dst, y.pointer.raw))])
    }

    static func writeSlice(_ y: Tensor, into x: Tensor, start: Int) throws {
        let sub = try window(of: x.shape, start: start, count: y.shape[1])
        let src = try plainDesc(y.shape)
        let r = try PrimitiveCache.get("slice.write:\(x.shape):\(start):\(y.shape)") { try makeReorder(from: src, to: sub) }
        try r.execute([(DNNL_ARG_FROM, try Memory(src, y.pointer.raw)), (DNNL_ARG_TO, try Memory(sub, x.pointer.raw))])
    }
}
