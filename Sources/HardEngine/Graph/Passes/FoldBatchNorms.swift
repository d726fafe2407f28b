extension Graph {
    /// Pass: every eval-mode batch norm that directly follows a convolution (and is its
    /// output's only reader) merged into that convolution, in new tensors; the model's own
    /// parameters are untouched:
    ///   w' = w * gamma / sqrt(var + eps),  b' = (b or 0) * s + beta - mean * s,  s = gamma / sqrt(var + eps)
    /// (the same float32 arithmetic the checkpoint-level fold used, so folded weights are bit
    /// for bit what they were). A batch norm with anything else before it stays a node.
    public func foldingBatchNorms() -> Graph {
        var g = self
        let readers = readerCounts()
        let producer = producers()
        var removed = Set<Int>()
        for (k, node) in nodes.enumerated() {
            guard case .batchNorm(let bn) = node.op, let p = producer[node.inputs[0]], readers[node.inputs[0]] == 1,
                  case .convolution(var conv) = g.nodes[p].op, conv.activation == .none, !conv.addsResidual else { continue }
            let cout = conv.outputChannels
            let perChannel = conv.weight.count / cout
            let w = conv.weight.copy(), b = Tensor.zeros([cout])
            for o in 0..<cout {
                let scale = bn.gamma.pointer[o] / (bn.variance.pointer[o] + bn.eps).squareRoot()
                for i in 0..<perChannel { w.pointer[o * perChannel + i] *= scale }
                b.pointer[o] = (conv.bias?.pointer[o] ?? 0) * scale + bn.beta.pointer[o] - bn.mean.pointer[o] * scale
            }
            conv.biasName = conv.biasName ?? conv.weightName.map { name in
                name.hasSuffix("weight") ? String(name.dropLast("weight".count)) + "bias" : name + ".bias"
            }
            conv.weight = w
            conv.bias = b
            g.nodes[p].op = .convolution(conv)
            g.nodes[p].output = node.output
            removed.insert(k)
        }
        return g.removing(nodes: removed)
    }
}
