import Dispatch

public struct InferenceError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

/// The fast inference plan for one graph and one input size.
///
/// Every activation lives in oneDNN's blocked layout nChw8c (`BlockedLayout`) from the first
/// convolution to the final upsampling, so no convolution reorders its input or output;
/// weights are reordered once; buffers and oneDNN memory objects are made once. Built from a
/// `Graph` by its passes:
///
///   graph.inferenceReady()      batch norms folded, ReLU/ReLU6 fused   (Graph/Passes)
///        .fusingResidualAdds()  an add after a convolution runs inside it (binary post-op)
///        .concatInPlace(8)      parts with channels in multiples of 8 are written in place
///        .planBuffers(...)      values with disjoint lifetimes share one arena
///
/// Depthwise convolutions oneDNN has no JIT kernel for, bilinear upsampling, add, copy-concat
/// and global pooling are own SIMD8 kernels on the blocks (BlockedKernels.swift); the last
/// upsampling writes the caller's NCHW logits directly; a 3-channel first convolution reads
/// the caller's NCHW input directly (oneDNN's fast kernel takes plain in, blocks out).
public final class BlockedInference {
    let graph: Graph
    var buffers: [RawBuffer?]
    var memories: [Memory?]
    let descs: [MemoryDesc]
    var steps: [() throws -> Void] = []
    var stepNames: [String] = []
    var keep: [AnyObject] = []
    /// The caller's NCHW input, bound per run.
    let inputEdge: PlainEdge
    /// True when some step reads the blocked input (else the first convolution reads plain).
    var needsBlockedInput = false
    /// The caller's NCHW output when the last step does not write it directly.
    var outputEdge: PlainEdge?
    /// Set by `run` for a last step that writes plain NCHW directly.
    var outputPointer: UnsafeMutablePointer<Float>?
    /// oneDNN implementation names of the convolutions (diagnostics).
    public private(set) var implementations: [String] = []
    /// Activation memory: the arena the shareable values are planned into, and the buffers
    /// kept separate (input, output, values with padding lanes).
    public private(set) var sharedBytes = 0
    public private(set) var separateBytes = 0
    /// What the shared values would take with one buffer each.
    public private(set) var unsharedBytes = 0

    /// The plan for `graph` (as traced: the passes run here). Throws for ops the plan has no
    /// kernel for, and when oneDNN is missing.
    public init(graph traced: Graph) throws {
        guard OneDNN.isAvailable else { throw InferenceError(message: "the fast inference plan needs oneDNN") }
        let graph = traced.inferenceReady().fusingResidualAdds()
        self.graph = graph
        let shapes = graph.shapes, n = shapes.count, output = graph.output
        for node in graph.nodes {
            switch node.op {
            case .convolution, .add, .concat, .resize, .pool, .globalPool: continue
            case .batchNorm, .activation, .scale, .slice, .reshape:
                throw InferenceError(message: "the fast inference plan has no kernel for a \(node.op.name) here (it runs convolutions with their batch norms and activations folded in, add, concat, resize and pools)")
            }
        }
        descs = try shapes.map { s in
            guard s.count == 4, s[0] == 1 else { throw InferenceError(message: "batch-1 NCHW shapes only, got \(s)") }
            return try BlockedLayout.desc(s)
        }
        buffers = [RawBuffer?](repeating: nil, count: n)
        memories = [Memory?](repeating: nil, count: n)

        let block = BlockedLayout.channelBlock
        let placement = graph.concatInPlace(channelMultiple: block)
        let size = descs.map { BlockedLayout.bytes($0) }
        // The input, the output and values with padding lanes (channels not a multiple of 8:
        // their padding must stay zero) keep their own zeroed buffers.
        let plan = graph.planBuffers(bytes: size, placement: placement, alignment: 64) { shapes[$0][1] % block == 0 }
        // The input keeps its own zeroed buffer (blocked, for steps that read it blocked).
        let inputBuffer = RawBuffer(size: size[graph.input])
        inputBuffer.pointer.initializeMemory(as: UInt8.self, repeating: 0, count: inputBuffer.size)
        let inputMemory = try Memory(descs[graph.input], inputBuffer.pointer)
        inputEdge = try PlainEdge(shape: shapes[graph.input], blocked: inputMemory, blockedDesc: descs[graph.input], toBlocked: true)
        buffers[graph.input] = inputBuffer
        memories[graph.input] = inputMemory
        let arena = RawBuffer(size: plan.arenaBytes)
        sharedBytes = plan.arenaBytes
        unsharedBytes = plan.unsharedBytes
        var separate = inputBuffer.size

        func buffer(_ v: Int) throws -> (RawBuffer, Memory) {
            if let b = buffers[v], let m = memories[v] { return (b, m) }
            let b: RawBuffer
            if let offset = plan.offsets[v] {
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
        func floats(_ v: Int) throws -> UnsafeMutablePointer<Float> {
            try buffer(v).0.pointer.assumingMemoryBound(to: Float.self)
        }
        for k in placement.inPlaceNodes {
            let node = graph.nodes[k]
            let (whole, _) = try buffer(node.output)
            var offset = 0
            for x in node.inputs {
                let view = RawBuffer(viewOf: whole, offset: offset, size: size[x])
                buffers[x] = view
                memories[x] = try Memory(descs[x], view.pointer)
                offset += view.size
            }
            precondition(offset == whole.size, "in-place concat: parts do not tile \(shapes[node.output])")
        }

        let last = graph.nodes.count - 1
        for (k, node) in graph.nodes.enumerated() where !placement.inPlaceNodes.contains(k) {
            let y = node.output
            switch node.op {
            case .convolution(let c):
                let x = node.inputs[0]
                let residual = c.addsResidual ? node.inputs[1] : nil
                let plainSource = x == graph.input && shapes[x][1] < block
                if x == graph.input && !plainSource { needsBlockedInput = true }
                if residual == graph.input { needsBlockedInput = true }
                let source = plainSource ? inputEdge.plain : try buffer(x).1
                let (_, destination) = try buffer(y)
                let conv = try BlockedConvolution(c, inputShape: shapes[x], input: plainSource ? try BlockedLayout.plain(shapes[x]) : descs[x],
                                                  output: descs[y], residual: residual.map { descs[$0] })
                // Depthwise: oneDNN's JIT kernel on blocks when it has one for this geometry,
                // else ours (oneDNN 2.6 on AVX2 falls back to a generic one for some dilations).
                if c.isDepthwise && residual == nil && !plainSource && !conv.implementation.hasPrefix("jit") {
                    let kernel = BlockedDepthwise(weight: c.weight, bias: c.bias, geometry: c.geometry, activation: c.activation,
                                                  input: shapes[x], output: shapes[y])
                    let (xp, yp) = (try floats(x), try floats(y))
                    steps.append { kernel.run(xp, yp) }
                    stepNames.append("depthwise \(shapes[y]) k\(c.kernel.height) \(c.geometry)")
                    implementations.append("own:depthwise-nChw8c")
                } else {
                    let bound = conv.bind(source: source, destination: destination, residual: try residual.map { try buffer($0).1 })
                    keep.append(conv)
                    implementations.append(conv.implementation)
                    stepNames.append("conv \(shapes[x][1])->\(shapes[y]) k\(c.kernel.height) \(c.geometry)\(residual == nil ? "" : " +add") \(conv.implementation)")
                    steps.append { try bound.execute() }
                }
            case .add:
                let (a, b, z) = (try floats(node.inputs[0]), try floats(node.inputs[1]), try floats(y))
                if node.inputs.contains(graph.input) { needsBlockedInput = true }
                let count = size[y] / 4
                steps.append { BlockedKernels.add(a, b, z, count: count) }
                stepNames.append("add \(shapes[y])")
            case .concat:
                let z = try floats(y)
                var parts: [(UnsafeMutablePointer<Float>, Int, Int)] = []
                var offset = 0
                for x in node.inputs {
                    if x == graph.input { needsBlockedInput = true }
                    parts.append((try floats(x), shapes[x][1], offset))
                    offset += shapes[x][1]
                }
                let hw = shapes[y][2] * shapes[y][3], total = shapes[y][1]
                steps.append { BlockedKernels.concat(parts, into: z, totalChannels: total, hw: hw) }
                stepNames.append("concat \(shapes[y])")
            case .resize(let h, let w):
                let x = node.inputs[0]
                if x == graph.input { needsBlockedInput = true }
                let xp = try floats(x)
                let kernel = BlockedResize(input: shapes[x], height: h, width: w)
                if k == last && y == output {
                    // The logits go straight to the caller's NCHW tensor.
                    steps.append { [unowned self] in kernel.run(xp, plain: self.outputPointer!) }
                    stepNames.append("resize to plain \(shapes[y])")
                } else {
                    let yp = try floats(y)
                    steps.append { kernel.run(xp, blocked: yp) }
                    stepNames.append("resize \(shapes[y])")
                }
            case .pool(let kind, let g):
                let x = node.inputs[0]
                if x == graph.input { needsBlockedInput = true }
                let bound = try BlockedPool.bind(kind, g, input: shapes[x], output: shapes[y], source: (descs[x], try buffer(x).1),
                                                 destination: (descs[y], try buffer(y).1))
                steps.append { try bound.execute() }
                stepNames.append("\(kind) pool \(shapes[y])")
            case .globalPool(let kind):
                let x = node.inputs[0]
                if x == graph.input { needsBlockedInput = true }
                let (xp, yp) = (try floats(x), try floats(y))
                let s = shapes[x]
                steps.append { BlockedKernels.globalPool(xp, yp, channels: s[1], hw: s[2] * s[3], maximum: kind == .max) }
                stepNames.append("global \(kind) pool \(s)")
            case .batchNorm, .activation, .scale, .slice, .reshape:
                preconditionFailure("refused above")
            }
        }
        if case .resize? = graph.nodes.last?.op, graph.nodes.last?.output == output {
            outputEdge = nil
        } else {
            let (_, m) = try buffer(output)
            outputEdge = try PlainEdge(shape: shapes[output], blocked: m, blockedDesc: descs[output], toBlocked: false)
        }
        separateBytes = separate
    }

    /// Milliseconds per step, summed over `runs` runs of x (after one warm-up).
    public func profile(_ x: Tensor, runs: Int) throws -> [(name: String, ms: Double)] {
        _ = try run(x)
        var total = [Double](repeating: 0, count: steps.count)
        let y = Tensor.zeros(outputShape)
        for _ in 0..<runs {
            _ = try run(x)
            outputPointer = y.pointer   // the steps alone: the final one writes here
            for (k, step) in steps.enumerated() {
                let t0 = DispatchTime.now().uptimeNanoseconds
                try step()
                try BlockedStream.wait()
                total[k] += Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6
            }
        }
        withExtendedLifetime(y) {}
        outputPointer = nil
        return zip(stepNames, total).map { ($0, $1 / Double(runs)) }
    }

    /// Logits (1, C, H, W) for x (1, 3, H, W) of the planned size, in a new tensor.
    public func run(_ x: Tensor) throws -> Tensor {
        let y = Tensor.uninitialized(outputShape)   // every element is written
        try run(x, into: y)
        return y
    }

    /// The same into `y` (1, C, H, W): a video or evaluation loop reuses one output tensor.
    public func run(_ x: Tensor, into y: Tensor) throws {
        precondition(x.shape == inputShape, "the plan is for \(inputShape), got \(x.shape)")
        precondition(y.shape == outputShape, "the output is \(outputShape), got \(y.shape)")
        outputPointer = y.pointer
        try inputEdge.bind(x.pointer)
        if needsBlockedInput { try inputEdge.execute() }
        for step in steps { try step() }
        if let outputEdge {
            try outputEdge.bind(y.pointer)
            try outputEdge.execute()
        }
        try BlockedStream.wait()
        withExtendedLifetime(x) {}
    }

    public var inputShape: [Int] { graph.shapes[graph.input] }
    public var outputShape: [Int] { graph.shapes[graph.output] }
}
