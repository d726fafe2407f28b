import HardMicro

/// Where each value's memory lives (see `Graph.planBuffers`).
public struct BufferPlan {
    /// Byte offset in the shared arena of each planned value; nil for values kept apart.
    public var offsets: [Int?]
    /// Bytes of the shared arena.
    public var arenaBytes: Int
    /// What the planned values would take with one buffer each.
    public var unsharedBytes: Int
    /// Node index that first writes and last reads each value's storage (-1: never).
    public var firstUse: [Int]
    public var lastUse: [Int]
}

extension Graph {
    /// Pass (analysis): one arena for the values `shareable` admits, by lifetime. A value's
    /// storage (its root: the concat buffer it lives in, or itself) is alive from the node
    /// that first writes it to the node that last reads it; values whose lifetimes do not
    /// overlap share memory. The placement is HardMicro's `greedyPlacement`, the same
    /// function the microcontroller's arena is planned with. `bytes[v]` is value v's size in
    /// the consumer's layout; nodes in `placement.inPlaceNodes` do not run.
    public func planBuffers(bytes: [Int], placement: ConcatPlacement, alignment: Int,
                            shareable: (Int) -> Bool) -> BufferPlan {
        let n = shapes.count
        var first = [Int](repeating: Int.max, count: n), last = [Int](repeating: -1, count: n)
        for (k, node) in nodes.enumerated() where !placement.inPlaceNodes.contains(k) {
            let root = placement.root(node.output)
            first[root] = min(first[root], k)
            for v in node.inputs { last[placement.root(v)] = max(last[placement.root(v)], k) }
        }
        var planned: [Int] = []
        for v in 0..<n where v != input && v != output && placement.root(v) == v && first[v] != Int.max && shareable(v) {
            last[v] = max(last[v], first[v])
            planned.append(v)
        }
        let (offsets, arena) = greedyPlacement(bytes: bytes, firstUse: first.map { $0 == Int.max ? -1 : $0 },
                                               lastUse: last, placing: planned, alignment: alignment)
        var result = [Int?](repeating: nil, count: n)
        for v in planned { result[v] = offsets[v] }
        return BufferPlan(offsets: result, arenaBytes: arena, unsharedBytes: planned.reduce(0) { $0 + bytes[$1] },
                          firstUse: first.map { $0 == Int.max ? -1 : $0 }, lastUse: last)
    }
}
