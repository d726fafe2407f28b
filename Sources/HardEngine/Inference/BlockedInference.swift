import Dispatch
import CDNNL

/// One op of an inference graph (logical shapes NCHW, batch 1). Value 0 is the input.
public enum InferenceOp {
    /// weight (Cout, Cin/groups, kh, kw): dense or depthwise (groups = Cin = Cout)
    case conv(input: Int, weight: Tensor, bias: Tensor?, geometry: Conv2dGeometry, activation: FusedActivation)
    case add(Int, Int)
    case concat([Int])
    case resize(Int, height: Int, width: Int)
    case pool(Int, kind: PoolKind, geometry: Pool2dGeometry)
    case globalPool(Int, kind: PoolKind)

    var inputs: [Int] {
        switch self {
        case .conv(let i, _, _, _, _), .resize(let i, _, _), .pool(let i, _, _), .globalPool(let i, _): return [i]
        case .add(let a, let b): return [a, b]
        case .concat(let xs): return xs
        }
    }
}

public struct InferenceNode {
    public var op: InferenceOp
    public var output: Int

    public init(_ op: InferenceOp, output: Int) {
        self.op = op
        self.output = output
    }
}

public struct InferenceError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

/// The inference path for one graph and one input size: every activation lives in oneDNN's
/// blocked layout nChw8c (channels in blocks of 8, the AVX2 kernels' native layout) from the
/// input reorder to the final upsampling, so no convolution reorders its input or output;
/// weights are reordered once; buffers and oneDNN memory objects are made once; a residual
/// add runs inside the convolution before it (a binary post-op); a concatenation of parts
/// with channels in multiples of 8 is written in place by their producers (else copied);
/// depthwise convolutions oneDNN has no JIT kernel for, bilinear upsampling and global
/// pooling are own SIMD8 kernels on the blocks; the last upsampling writes the NCHW logits
/// directly.
public final class BlockedInference {
    let shapes: [[Int]]
    let output: Int
    var buffers: [RawBuffer?]
    var memories: [Memory?]
    var descs: [MemoryDesc]
    var steps: [() throws -> Void] = []
    var stepNames: [String] = []
    var keep: [AnyObject] = []
    let inputReorder: Primitive
    let plainInput: MemoryDesc
    /// The caller's NCHW input, bound per run: the first convolution reads it directly (with
    /// 3 channels oneDNN's fast kernel takes plain NCHW in and writes blocks out).
    let plainInputMemory: Memory
    var needsBlockedInput = false
    /// Set by `run` for the last step when it writes plain NCHW directly.
    var outputPointer: UnsafeMutablePointer<Float>?
    var finalReorder: Primitive?
    /// oneDNN implementation names of the convolutions (diagnostics).
    public private(set) var implementations: [String] = []
    /// Activation memory: the arena the shareable values are planned into, and the buffers
    /// kept separate (input, output, values with padding lanes).
    public private(set) var sharedBytes = 0
    public private(set) var separateBytes = 0
    /// What the shared values would take with one buffer each.
    public private(set) var unsharedBytes = 0

    static func blocks(_ c: Int) -> Int { (c + 7) / 8 }

    public init(nodes: [InferenceNode], shapes: [[Int]], output: Int) throws {
        guard OneDNN.isAvailable else { throw InferenceError(message: "the blocked inference path needs oneDNN") }
        self.shapes = shapes
        self.output = output
        let n = shapes.count
        buffers = [RawBuffer?](repeating: nil, count: n)
        memories = [Memory?](repeating: nil, count: n)
        descs = try shapes.map { s in
            guard s.count == 4, s[0] == 1 else { throw InferenceError(message: "batch-1 NCHW shapes only, got \(s)") }
            return try memoryDesc(s, dnnl_nChw8c)
        }
        plainInput = try plainDesc(shapes[0])
        inputReorder = try makeReorder(from: plainInput, to: descs[0])
        plainInputMemory = try Memory(plainInput, nil)

        // Readers of each value, to find the adds a convolution can absorb.
        var readers = [Int](repeating: 0, count: n)
        for node in nodes { for i in node.op.inputs { readers[i] += 1 } }
        readers[output] += 1
        var absorbed = Set<Int>()   // node indices of adds fused into the convolution before them
        var residualOf: [Int: (residual: Int, output: Int)] = [:]
        for (k, node) in nodes.enumerated() {
            guard case .conv(_, _, _, _, .none) = node.op, k + 1 < nodes.count,
                  case .add(let a, let b) = nodes[k + 1].op, readers[node.output] == 1,
                  a == node.output || b == node.output else { continue }
            let other = a == node.output ? b : a
            guard other != node.output else { continue }
            absorbed.insert(k + 1)
            residualOf[k] = (other, nodes[k + 1].output)
        }

        // Concatenation in place. In nChw8c (batch 1) each block of 8 channels is one
        // contiguous h x w x 8 run, so a part whose channel count is a multiple of 8 is a
        // contiguous slice of the concatenated tensor: its producer writes straight into that
        // slice and the concat step disappears. Parts read by a second concat, the graph's
        // input or output, or an in-place concat's own output keep their own buffer (then it
        // copies).
        let last = nodes.count - 1
        var concatUses = [Int](repeating: 0, count: n)
        for node in nodes { if case .concat(let xs) = node.op { for x in xs { concatUses[x] += 1 } } }
        var concatsInPlace: [Int] = []
        var partOf = [Int](repeating: -1, count: n)   // the in-place concat output a part lives in
        var isInPlaceOutput = [Bool](repeating: false, count: n)
        for (k, node) in nodes.enumerated() {
            guard case .concat(let xs) = node.op, node.output != output, partOf[node.output] < 0,
                  xs.allSatisfy({ $0 != 0 && $0 != output && concatUses[$0] == 1 && shapes[$0][1] % 8 == 0
                                  && partOf[$0] < 0 && !isInPlaceOutput[$0] })
            else { continue }
            for x in xs { partOf[x] = node.output }
            isInPlaceOutput[node.output] = true
            concatsInPlace.append(k)
        }
        func root(_ v: Int) -> Int { partOf[v] >= 0 ? partOf[v] : v }

        // Buffer sharing. A value's storage (its root: the concat it lives in, or itself) is
        // alive from the step that first writes it to the step that last reads it; values
        // whose lifetimes do not overlap share memory, placed greedily, largest first (the
        // rule of TFLite Micro's planner and of HardMicro's ArenaPlanner). The input, the
        // output and values with padding lanes (channels not a multiple of 8: their padding
        // must stay zero) keep their own zeroed buffers.
        var first = [Int](repeating: Int.max, count: n), lastUse = [Int](repeating: -1, count: n)
        for (k, node) in nodes.enumerated() where !absorbed.contains(k) {
            let written = residualOf[k]?.output ?? node.output
            first[root(written)] = min(first[root(written)], k)
            var reads = node.op.inputs
            if let r = residualOf[k] { reads.append(r.residual) }
            for v in reads { lastUse[root(v)] = max(lastUse[root(v)], k) }
        }
        var shared: [Int] = []
        for v in 1..<n where root(v) == v && v != output && first[v] != Int.max && shapes[v][1] % 8 == 0 {
            lastUse[v] = max(lastUse[v], first[v])
            shared.append(v)
        }
        let size = descs.map { byteSize($0) }
        shared.sort { size[$0] != size[$1] ? size[$0] > size[$1] : $0 < $1 }
        var offsetOf: [Int: Int] = [:]
        var placed: [(offset: Int, end: Int, v: Int)] = []   // kept sorted by offset
        var arenaBytes = 0
        for v in shared {
            var candidate = 0
            for p in placed where first[p.v] <= lastUse[v] && first[v] <= lastUse[p.v] {
                if candidate + size[v] <= p.offset { break }
                candidate = max(candidate, (p.end + 63) / 64 * 64)
            }
            offsetOf[v] = candidate
            let at = placed.firstIndex { $0.offset > candidate } ?? placed.count
            placed.insert((candidate, candidate + size[v], v), at: at)
            arenaBytes = max(arenaBytes, candidate + size[v])
        }
        let arena = RawBuffer(size: arenaBytes)
        sharedBytes = arenaBytes
        unsharedBytes = shared.reduce(0) { $0 + size[$1] }
        var separate = 0

        func buffer(_ v: Int) throws -> (RawBuffer, Memory) {
            if let b = buffers[v], let m = memories[v] { return (b, m) }
            let b: RawBuffer
            if let offset = offsetOf[v] {
                b = RawBuffer(viewOf: arena, offset: offset, size: size[v])
            } else {
                b = RawBuffer(size: size[v])
                b.pointer.initializeMemory(as: UInt8.self, repeating: 0, count: b.size)   // channel padding stays zero
                separate += b.size
            }
            let m = try Memory(descs[v], b.pointer)
            buffers[v] = b
            memories[v] = m
            return (b, m)
        }
        _ = try buffer(0)
        for k in concatsInPlace {
            guard case .concat(let xs) = nodes[k].op else { continue }
            let (whole, _) = try buffer(nodes[k].output)
            var offset = 0
            for x in xs {
                let view = RawBuffer(viewOf: whole, offset: offset, size: size[x])
                buffers[x] = view
                memories[x] = try Memory(descs[x], view.pointer)
                offset += view.size
            }
            precondition(offset == whole.size, "in-place concat: parts do not tile \(shapes[nodes[k].output])")
        }

        for (k, node) in nodes.enumerated() where !absorbed.contains(k) {
            switch node.op {
            case .conv(let i, let w, let b, let g, let act):
                let fusedAdd = residualOf[k]
                let out = fusedAdd?.output ?? node.output
                let plainSource = i == 0 && shapes[0][1] < 8
                let xm = plainSource ? plainInputMemory : try buffer(i).1
                let (_, ym) = try buffer(out)
                let cin = shapes[i][1], cout = w.shape[0]
                // Depthwise: oneDNN's JIT kernel on blocks when it has one for this geometry,
                // else ours (oneDNN 2.6 on AVX2 falls back to a generic one for some dilations).
                let oneDNN = try BlockedConvolution(weight: w, bias: b, geometry: g, activation: act,
                                                    input: plainSource ? plainInput : descs[i], output: descs[out],
                                                    inputShape: shapes[i], residual: fusedAdd.map { descs[$0.residual] })
                let depthwise = g.groups > 1 && g.groups == cin && cin == cout
                if depthwise && fusedAdd == nil && !plainSource && !oneDNN.primitive.implementation.hasPrefix("jit") {
                    let kernel = BlockedDepthwise(weight: w, bias: b, geometry: g, activation: act,
                                                  input: shapes[i], output: shapes[out])
                    let x = buffers[i]!.pointer.assumingMemoryBound(to: Float.self)
                    let y = buffers[out]!.pointer.assumingMemoryBound(to: Float.self)
                    steps.append { kernel.run(x, y) }
                    stepNames.append("depthwise \(shapes[out]) k\(w.shape[2]) \(g)")
                    implementations.append("own:depthwise-nChw8c")
                } else {
                    let conv = oneDNN
                    keep.append(conv)
                    implementations.append(conv.primitive.implementation)
                    var args: [(Int32, Memory)] = [(DNNL_ARG_SRC, xm), (DNNL_ARG_WEIGHTS, conv.weights), (DNNL_ARG_DST, ym)]
                    if let bm = conv.bias { args.append((DNNL_ARG_BIAS, bm)) }
                    if let r = fusedAdd { args.append((DNNL_ARG_ATTR_MULTIPLE_POST_OP_BASE * 1 | DNNL_ARG_SRC_1, try buffer(r.residual).1)) }
                    let execArgs = args.map { dnnl_exec_arg_t(arg: $0.0, memory: $0.1.handle) }
                    let p = conv.primitive
                    stepNames.append("conv \(shapes[i][1])->\(shapes[out]) k\(w.shape[2]) \(g)\(fusedAdd == nil ? "" : " +add") \(p.implementation)")
                    steps.append {
                        try check(dnnl_primitive_execute(p.primitive, OneDNN.context.stream, Int32(execArgs.count), execArgs),
                                  "execute(\(p.name))")
                    }
                }
            case .add(let a, let b):
                _ = try buffer(a); _ = try buffer(b); _ = try buffer(node.output)
                let count = buffers[node.output]!.size / 4
                let x = buffers[a]!.pointer.assumingMemoryBound(to: Float.self)
                let y = buffers[b]!.pointer.assumingMemoryBound(to: Float.self)
                let z = buffers[node.output]!.pointer.assumingMemoryBound(to: Float.self)
                steps.append { BlockedKernels.add(x, y, z, count: count) }
                stepNames.append("add \(shapes[node.output])")
            case .concat(let xs):
                if concatsInPlace.contains(k) { continue }   // the parts were written in place
                _ = try buffer(node.output)
                let z = buffers[node.output]!.pointer.assumingMemoryBound(to: Float.self)
                var parts: [(UnsafeMutablePointer<Float>, Int, Int)] = []
                var offset = 0
                for x in xs {
                    _ = try buffer(x)
                    parts.append((buffers[x]!.pointer.assumingMemoryBound(to: Float.self), shapes[x][1], offset))
                    offset += shapes[x][1]
                }
                let hw = shapes[node.output][2] * shapes[node.output][3], total = shapes[node.output][1]
                steps.append { BlockedKernels.concat(parts, into: z, totalChannels: total, hw: hw) }
                stepNames.append("concat \(shapes[node.output])")
            case .resize(let i, let h, let w):
                _ = try buffer(i)
                let x = buffers[i]!.pointer.assumingMemoryBound(to: Float.self)
                let kernel = BlockedResize(input: shapes[i], height: h, width: w)
                if k == last && node.output == output {
                    // The logits go straight to the caller's NCHW tensor.
                    steps.append { [unowned self] in kernel.run(x, plain: self.outputPointer!) }
                    stepNames.append("resize to plain \(shapes[node.output])")
                } else {
                    _ = try buffer(node.output)
                    let y = buffers[node.output]!.pointer.assumingMemoryBound(to: Float.self)
                    steps.append { kernel.run(x, blocked: y) }
                    stepNames.append("resize \(shapes[node.output])")
                }
            case .pool(let i, let kind, let g):
                let (_, xm) = try buffer(i)
                let (_, ym) = try buffer(node.output)
                let p = try BlockedPool.primitive(kind, g, input: shapes[i], output: shapes[node.output], descs[i], descs[node.output])
                keep.append(p)
                let execArgs = [dnnl_exec_arg_t(arg: DNNL_ARG_SRC, memory: xm.handle), dnnl_exec_arg_t(arg: DNNL_ARG_DST, memory: ym.handle)]
                steps.append {
                    try check(dnnl_primitive_execute(p.primitive, OneDNN.context.stream, 2, execArgs), "execute(\(p.name))")
                }
                stepNames.append("\(kind) pool \(shapes[node.output])")
            case .globalPool(let i, let kind):
                _ = try buffer(i); _ = try buffer(node.output)
                let x = buffers[i]!.pointer.assumingMemoryBound(to: Float.self)
                let y = buffers[node.output]!.pointer.assumingMemoryBound(to: Float.self)
                let s = shapes[i]
                steps.append { BlockedKernels.globalPool(x, y, channels: s[1], hw: s[2] * s[3], maximum: kind == .max) }
                stepNames.append("global \(kind) pool \(s)")
            }
        }
        if case .resize? = nodes.last?.op, nodes.last?.output == output {
            finalReorder = nil
        } else {
            _ = try buffer(output)
            finalReorder = try makeReorder(from: descs[output], to: try plainDesc(shapes[output]))
        }
        separateBytes = separate
    }

    /// Milliseconds per step, summed over `runs` runs of x (after one warm-up).
    public func profile(_ x: Tensor, runs: Int) throws -> [(name: String, ms: Double)] {
        _ = try run(x)
        var total = [Double](repeating: 0, count: steps.count)
        let y = Tensor.zeros(shapes[output])
        for _ in 0..<runs {
            _ = try run(x)
            outputPointer = y.pointer   // the steps alone: the final one writes here
            for (k, step) in steps.enumerated() {
                let t0 = DispatchTime.now().uptimeNanoseconds
                try step()
                total[k] += Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6
            }
        }
        withExtendedLifetime(y) {}
        outputPointer = nil
        return zip(stepNames, total).map { ($0, $1 / Double(runs)) }
    }

    /// Logits (1, C, H, W) for x (1, 3, H, W) of the planned size, in a new tensor.
    public func run(_ x: Tensor) throws -> Tensor {
        let y = Tensor.uninitialized(shapes[output])   // every element is written
        try run(x, into: y)
        return y
    }

    /// The same into `y` (1, C, H, W): a video loop reuses one output tensor.
    public func run(_ x: Tensor, into y: Tensor) throws {
        precondition(x.shape == shapes[0], "the plan is for \(shapes[0]), got \(x.shape)")
        precondition(y.shape == shapes[output], "the output is \(shapes[output]), got \(y.shape)")
        outputPointer = y.pointer
        try check(dnnl_memory_set_data_handle(plainInputMemory.handle, x.pointer.raw), "memory_set_data_handle")
        if needsBlockedInput {
            try check(dnnl_primitive_execute(inputReorder.primitive, OneDNN.context.stream, 2, [
                dnnl_exec_arg_t(arg: DNNL_ARG_FROM, memory: plainInputMemory.handle),
                dnnl_exec_arg_t(arg: DNNL_ARG_TO, memory: memories[0]!.handle),
            ]), "execute(input reorder)")
        }
        for step in steps { try step() }
        if let finalReorder {
            let userOut = try Memory(try plainDesc(shapes[output]), y.pointer.raw)
            try check(dnnl_primitive_execute(finalReorder.primitive, OneDNN.context.stream, 2, [
                dnnl_exec_arg_t(arg: DNNL_ARG_FROM, memory: memories[output]!.handle), dnnl_exec_arg_t(arg: DNNL_ARG_TO, memory: userOut.handle),
            ]), "execute(output reorder)")
        }
        try check(dnnl_stream_wait(OneDNN.context.stream), "stream_wait")
        withExtendedLifetime(x) {}
    }

    public var outputShape: [Int] { shapes[output] }
}

/// A dense convolution on blocked activations: weights reordered once into the layout the
/// primitive wants; bias, ReLU/ReLU6 and an optional residual add fused.
final class BlockedConvolution {
    let primitive: Primitive
    let weights: Memory
    let weightBuffer: RawBuffer
    let bias: Memory?
    let biasTensor: Tensor?

    init(weight: Tensor, bias b: Tensor?, geometry g: Conv2dGeometry, activation: FusedActivation,
         input: MemoryDesc, output: MemoryDesc, inputShape: [Int], residual: MemoryDesc?) throws {
        let cout = weight.shape[0], kh = weight.shape[2], kw = weight.shape[3]
        let cin = inputShape[1]
        let wdims = g.groups == 1 ? [cout, cin, kh, kw] : [g.groups, cout / g.groups, cin / g.groups, kh, kw]
        var wAny = try memoryDesc(wdims, dnnl_format_tag_any)
        var src = input, dst = output
        let biasDesc = try plainDesc([cout])
        let (strides, dilates, padL, padR) = DNNLConvolution.geometry(ConvShapes(x: inputShape, weight: weight.shape, geometry: g))
        var d = dnnl_convolution_desc_t()
        try withOptionalPointer(b == nil ? nil : biasDesc) { bp in
            try check(dnnl_dilated_convolution_forward_desc_init(&d, dnnl_forward_inference, dnnl_convolution_direct, &src, &wAny,
                                                                 bp, &dst, strides, dilates, padL, padR),
                      "convolution_forward_desc_init (blocked)")
        }
        var attr: dnnl_primitive_attr_t?
        var ops: dnnl_post_ops_t?
        try check(dnnl_primitive_attr_create(&attr), "primitive_attr_create")
        defer { dnnl_primitive_attr_destroy(attr) }
        try check(dnnl_post_ops_create(&ops), "post_ops_create")
        defer { dnnl_post_ops_destroy(ops) }
        switch activation {
        case .none: break
        case .relu: try check(dnnl_post_ops_append_eltwise(ops, 1, dnnl_eltwise_relu, 0, 0), "append_eltwise")
        case .relu6: try check(dnnl_post_ops_append_eltwise(ops, 1, dnnl_eltwise_clip, 0, 6), "append_eltwise")
        }
        if var r = residual {
            try check(dnnl_post_ops_append_binary(ops, dnnl_binary_add, &r), "append_binary")
        }
        try check(dnnl_primitive_attr_set_post_ops(attr, ops), "primitive_attr_set_post_ops")
        primitive = try Primitive("conv2d.blocked[\(inputShape)->\(cout) k\(kh) \(g)]", desc: &d, attr: attr)
        // Weights: once into the primitive's layout.
        let inner = primitive.desc(arg: DNNL_ARG_WEIGHTS)
        weightBuffer = RawBuffer(size: byteSize(inner))
        weights = try Memory(inner, weightBuffer.pointer)
        let plain = try Memory(try plainDesc(wdims), weight.pointer.raw)
        try makeReorder(from: try plainDesc(wdims), to: inner).execute([(DNNL_ARG_FROM, plain), (DNNL_ARG_TO, weights)])
        biasTensor = b?.copy()
        bias = try biasTensor.map { try Memory(biasDesc, $0.pointer.raw) }
    }
}

enum BlockedPool {
    static func primitive(_ kind: PoolKind, _ g: Pool2dGeometry, input: [Int], output: [Int], _ src: MemoryDesc,
                          _ dst: MemoryDesc) throws -> Primitive {
        let p = DNNLPooling.Params(kind, g, input: input, output: output)
        var s = src, d = dst
        var desc = dnnl_pooling_v2_desc_t()
        try check(dnnl_pooling_v2_forward_desc_init(&desc, dnnl_forward_inference, p.alg, &s, &d, p.strides, p.kernel,
                                                    p.dilation, p.padL, p.padR), "pooling_v2_forward_desc_init (blocked)")
        return try Primitive("\(kind)_pool.blocked", desc: &desc)
    }
}
