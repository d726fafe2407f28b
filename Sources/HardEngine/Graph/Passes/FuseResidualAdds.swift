extension Graph {
    /// Pass: an add right after a convolution without activation, reading that convolution's
    /// output (its only reader) and another value, becomes the convolution's residual
    /// (inputs [x, residual]; oneDNN adds it as a binary post-op while the output is still in
    /// registers, so the sum costs no pass over memory).
    public func fusingResidualAdds() -> Graph {
        var g = self
        let readers = readerCounts()
        var removed = Set<Int>()
        var k = 0
        while k + 1 < g.nodes.count {
            let node = g.nodes[k], next = g.nodes[k + 1]
            if case .convolution(var conv) = node.op, conv.activation == .none, !conv.addsResidual,
               case .add = next.op, readers[node.output] == 1, next.inputs.contains(node.output) {
                let other = next.inputs[0] == node.output ? next.inputs[1] : next.inputs[0]
                if other != node.output {
                    conv.addsResidual = true
                    g.nodes[k] = Node(.convolution(conv), inputs: [node.inputs[0], other], output: next.output)
                    removed.insert(k + 1)
                    k += 2
                    continue
                }
            }
            k += 1
        }
        return g.removing(nodes: removed)
    }
}
