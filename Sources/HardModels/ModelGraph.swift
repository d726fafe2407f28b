import HardEngine

extension Graph {
    /// The inference graph of `model` on a (1, 3, `height`, `width`) input: its forward pass
    /// in eval mode, traced on placeholders (no activation memory), parameters named by their
    /// state-dict keys. The model is left exactly as it was (its training mode is restored;
    /// nothing is folded: `inferenceReady()` folds batch norms into new tensors).
    public static func trace(_ model: HARDNetwork, height: Int, width: Int) throws -> Graph {
        guard height >= 1, width >= 1 else { throw GraphError("input \(height)x\(width) is empty") }
        let wasTraining = model.isTraining
        model.eval()
        defer { if wasTraining { model.train() } }
        return try trace(inputShape: [1, 3, height, width], parameterNames: model.stateDict()) { model($0) }
    }
}
