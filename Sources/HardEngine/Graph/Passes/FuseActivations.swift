extension Graph {
    /// Pass: a ReLU or ReLU6 whose input is a convolution's output read by nothing else
    /// becomes that convolution's fused activation (oneDNN's eltwise post-op, the int8
    /// runtime's clamp bounds). Other activations stay nodes.
    public func fusingActivations() -> Graph {
        var g = self
        let readers = readerCounts()
        let producer = producers()
        var removed = Set<Int>()
        for (k, node) in nodes.enumerated() {
            guard case .activation(let kind) = node.op, kind != .none, let p = producer[node.inputs[0]],
                  readers[node.inputs[0]] == 1, case .convolution(var conv) = g.nodes[p].op,
                  conv.activation == .none, !conv.addsResidual else { continue }
            conv.activation = kind
            g.nodes[p].op = .convolution(conv)
            g.nodes[p].output = node.output
            removed.insert(k)
        }
        return g.removing(nodes: removed)
    }

    /// The graph every consumer starts from: batch norms folded, activations fused.
    public func inferenceReady() -> Graph { foldingBatchNorms().fusingActivations() }
}
