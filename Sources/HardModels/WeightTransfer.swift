import HardEngine
import HardNN

/// What `hard train --init-from` did with each tensor.
public struct WeightTransferReport: Sendable, Equatable {
    /// Same key, same shape: copied from the checkpoint.
    public var loaded: [String] = []
    /// A classifier whose class count differs: kept freshly initialised.
    public var reinitialised: [String] = []
    /// In the checkpoint but not in the model (a pretraining classifier, auxiliary heads).
    public var skipped: [String] = []
    /// In the model but not in the checkpoint (a decoder after encoder pretraining): fresh.
    public var fresh: [String] = []

    /// Lines for the terminal: counts, then the names of all but the loaded tensors.
    public var lines: [String] {
        var out = ["loaded \(loaded.count) tensors, re-initialised \(reinitialised.count), skipped \(skipped.count), "
                   + "kept fresh \(fresh.count) (not in the checkpoint)"]
        if !reinitialised.isEmpty { out.append("re-initialised (class count differs): " + reinitialised.joined(separator: ", ")) }
        if !skipped.isEmpty { out.append("skipped (not in this model): " + Self.compact(skipped)) }
        if !fresh.isEmpty { out.append("kept fresh: " + Self.compact(fresh)) }
        return out
    }

    /// Keys grouped by their first component with counts: "decoder (24), head (2)".
    static func compact(_ keys: [String]) -> String {
        var order: [String] = [], counts: [String: Int] = [:]
        for k in keys {
            let top = String(k.split(separator: ".").first ?? Substring(k))
            if counts[top] == nil { order.append(top) }
            counts[top, default: 0] += 1
        }
        return order.map { "\($0).* (\(counts[$0]!))" }.joined(separator: ", ")
    }
}

/// Fine-tuning and pretraining: a model starts from the tensors of another checkpoint that
/// fit it. The paper starts from an ImageNet-pretrained encoder (§4.1); users start from a
/// Cityscapes model to train on their own classes.
public enum WeightTransfer {
    /// Copies every tensor of the checkpoint at `path` (a model checkpoint of either task,
    /// or a `checkpoint.safetensors` training state) whose key and shape match into `model`.
    /// A classifier tensor (`...classifier.weight/bias`) whose class count differs keeps its
    /// fresh initialisation. Any other tensor of the same key and another shape means a
    /// different architecture and is refused, naming the key; so is a checkpoint of which
    /// nothing fits.
    public static func apply(from path: String, into model: HARDNetwork) throws -> WeightTransferReport {
        let (raw, metadata) = try Checkpoint.readTensors(path)
        var source = raw
        if metadata["format"] == "hard-training-state" {
            // model.<key> is the model; adam.* belongs to the optimizer of that run.
            source = [:]
            for (k, t) in raw where k.hasPrefix("model.") { source[String(k.dropFirst("model.".count))] = t }
        }
        var report = WeightTransferReport()
        var copies: [(Tensor, Tensor)] = []
        let mine = model.stateDict()
        for (key, tensor) in mine {
            guard let value = source[key] else { report.fresh.append(key); continue }
            if value.shape == tensor.shape {
                copies.append((tensor, value))
                report.loaded.append(key)
            } else if isClassifier(key), value.shape.count == tensor.shape.count, Array(value.shape.dropFirst()) == Array(tensor.shape.dropFirst()) {
                report.reinitialised.append(key)
            } else {
                let there = metadata["variant"].map { "in its \($0) " } ?? "there "
                throw CheckpointError(file: path, problem: "\(key) has shape \(value.shape) \(there)and \(tensor.shape) in \(model.variant.rawValue); "
                                      + "--init-from needs the same architecture (a classifier may differ in its class count)")
            }
        }
        let keys = Set(mine.map(\.0))
        report.skipped = source.keys.filter { !keys.contains($0) }.sorted()
        guard !report.loaded.isEmpty else {
            throw CheckpointError(file: path, problem: "no tensor of it fits \(model.variant.rawValue) (no key in common); is it a checkpoint of this variant?")
        }
        for (tensor, value) in copies { tensor.assign(value) }
        return report
    }

    /// Final classifier convolutions: the segmentation head, HARD-GPU's auxiliary heads, the
    /// pretraining head. Their first dimension is the class count.
    static func isClassifier(_ key: String) -> Bool {
        let parts = key.split(separator: ".")
        return parts.count >= 2 && parts[parts.count - 2] == "classifier"
    }
}
