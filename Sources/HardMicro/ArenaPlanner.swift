// Static activation memory: every intermediate tensor gets a fixed offset in one arena, chosen
// greedily over tensor lifetimes as TFLite Micro's GreedyMemoryPlanner does: largest tensors
// first, each at the lowest offset that does not overlap a tensor alive at the same time.
// The model's input (read in place, e.g. from flash or a camera buffer) and output (the
// caller's class map) live outside the arena.

public struct ArenaPlan {
    /// Byte offset of each tensor in the arena; -1 for the external input and output.
    public var offsets: [Int]
    /// Bytes the tensors need (the highest end of any placed tensor).
    public var tensorBytes: Int
    /// The largest kernel scratch any op needs; placed after the tensors.
    public var scratchBytes: Int
    /// Op index that first writes and last reads each tensor.
    public var firstUse: [Int]
    public var lastUse: [Int]

    public var scratchOffset: Int { alignUp(tensorBytes, 16) }
    public var totalBytes: Int { scratchOffset + alignUp(scratchBytes, 16) }
}

@inline(__always)
func alignUp(_ x: Int, _ a: Int) -> Int { (x + a - 1) / a * a }

public func planArena(_ model: MicroModel) -> ArenaPlan {
    let n = model.tensors.count
    var first = [Int](repeating: -1, count: n)
    var last = [Int](repeating: -1, count: n)
    var scratch = 0
    for op in 0..<model.opWords.count {
        let (ins, out) = model.tensorsOf(op)
        first[out] = op
        last[out] = op
        for t in ins { last[t] = op }
        scratch = max(scratch, scratchBytes(model, op))
    }
    let bytes = model.tensors.map { $0.elementCount }
    var order: [Int] = []
    // The resized logits of a fused upsample + argmax are never materialised.
    let skipped = model.fusedUpsampleArgMax ? model.tensorsOf(model.opWords.count - 2).output : -1
    for t in 0..<n where t != model.inputTensor && t != model.outputTensor && t != skipped && first[t] >= 0 { order.append(t) }
    let (offsets, high) = greedyPlacement(bytes: bytes, firstUse: first, lastUse: last, placing: order, alignment: 16)
    return ArenaPlan(offsets: offsets, tensorBytes: high, scratchBytes: scratch, firstUse: first, lastUse: last)
}

/// Kernel scratch of one op. The fused upsample + argmax: its row blend. A convolution: the `BoundedRequantizer` table (16-byte aligned),
/// then `denseScratchBytes` or `depthwiseScratchBytes`. An ADD: its input tables. Other ops need none.
func scratchBytes(_ model: MicroModel, _ op: Int) -> Int {
    if model.fusedUpsampleArgMax && op == model.opWords.count - 2 {
        let (ins, out) = model.tensorsOf(op)
        let x = model.tensors[ins[0]], y = model.tensors[out]
        return 4 * resizeArgMaxScratchWords(Shape3(x.height, x.width, x.channels), Shape3(y.height, y.width, y.channels))
    }
    if case .add = model.records[op] { return addScratchBytes }
    guard case .conv(let r) = model.records[op] else { return 0 }
    let table = requantizationTableBytes(model, op)
    let g = r.geometry
    if r.depthwise { return table + depthwiseScratchBytes(kernelH: g.kernelH, kernelW: g.kernelW, channels: model.tensors[r.input].channels) }
    return table + denseScratchBytes(kernelH: g.kernelH, kernelW: g.kernelW, inputChannels: model.tensors[r.input].channels,
                                     padH: g.padH, padW: g.padW)
}

/// The requantization table's share of a convolution's scratch (0 when it uses the exact rules).
func requantizationTableBytes(_ model: MicroModel, _ op: Int) -> Int {
    guard model.boundedRequantization[op] else { return 0 }
    return alignUp(BoundedRequantizer.tableBytes(channels: model.tensors[model.tensorsOf(op).output].channels), 16)
}

/// The one buffer planner of the project (TFLite Micro's GreedyMemoryPlanner rule), shared by
/// this arena and the host's fast inference plan (HardEngine's `planBuffers`): buffers
/// `placing` (indices into the other arrays), largest first (ties: earlier first use, then
/// lower index, so the plan never depends on sort stability), each at the lowest offset, a
/// multiple of `alignment`, that overlaps no placed buffer whose lifetime
/// [firstUse, lastUse] (step indices, inclusive) meets its own.
/// Returns an offset per index (-1 where not placed) and the bytes the arena needs.
public func greedyPlacement(bytes: [Int], firstUse: [Int], lastUse: [Int], placing: [Int],
                            alignment: Int) -> (offsets: [Int], bytes: Int) {
    var order = placing
    order.sort { a, b in
        if bytes[a] != bytes[b] { return bytes[a] > bytes[b] }
        if firstUse[a] != firstUse[b] { return firstUse[a] < firstUse[b] }
        return a < b
    }
    var offsets = [Int](repeating: -1, count: bytes.count)
    var placed: [Int] = []   // kept sorted by offset
    var high = 0
    for t in order {
        var candidate = 0
        for p in placed where firstUse[p] <= lastUse[t] && firstUse[t] <= lastUse[p] {
            if candidate + bytes[t] <= offsets[p] { break }
            candidate = max(candidate, alignUp(offsets[p] + bytes[p], alignment))
        }
        offsets[t] = candidate
        high = max(high, candidate + bytes[t])
        var i = placed.count
        while i > 0 && offsets[placed[i - 1]] > candidate { i -= 1 }
        placed.insert(t, at: i)
    }
    return (offsets, high)
}
