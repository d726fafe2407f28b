/// Which values live inside a concatenation's buffer (see `Graph.concatInPlace`).
public struct ConcatPlacement {
    /// For each value: the concat output whose buffer holds it, or nil.
    public var container: [Int?]
    /// For a contained value: its first channel inside the container.
    public var channelOffset: [Int]
    /// Nodes (concats) that need not run: their parts were written in place.
    public var inPlaceNodes: Set<Int>

    /// The value whose buffer holds v (itself when not contained).
    public func root(_ v: Int) -> Int { container[v] ?? v }
}

extension Graph {
    /// Pass (analysis): concatenations whose parts their producers can write straight into
    /// the concatenated buffer, so the concat step disappears. In a channel-blocked layout
    /// (batch 1) each block of `channelMultiple` channels is one contiguous run, so a part
    /// whose channel count is a multiple of it is a contiguous slice of the whole. Parts that
    /// are the graph's input or output, read by a second concat, or themselves an in-place
    /// concat's output keep their own buffer (that concat then copies).
    public func concatInPlace(channelMultiple: Int) -> ConcatPlacement {
        let n = shapes.count
        var concatUses = [Int](repeating: 0, count: n)
        for node in nodes { if case .concat = node.op { for x in node.inputs { concatUses[x] += 1 } } }
        var placement = ConcatPlacement(container: [Int?](repeating: nil, count: n),
                                        channelOffset: [Int](repeating: 0, count: n), inPlaceNodes: [])
        var isInPlaceOutput = [Bool](repeating: false, count: n)
        for (k, node) in nodes.enumerated() {
            guard case .concat = node.op, node.output != output, placement.container[node.output] == nil,
                  node.inputs.allSatisfy({ $0 != input && $0 != output && concatUses[$0] == 1
                                           && shapes[$0][1] % channelMultiple == 0
                                           && placement.container[$0] == nil && !isInPlaceOutput[$0] })
            else { continue }
            var offset = 0
            for x in node.inputs {
                placement.container[x] = node.output
                placement.channelOffset[x] = offset
                offset += shapes[x][1]
            }
            isInPlaceOutput[node.output] = true
            placement.inPlaceNodes.insert(k)
        }
        return placement
    }
}
