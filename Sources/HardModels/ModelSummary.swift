import HardEngine
import HardNN

/// One row of `hard models`: a variant's size and cost at a resolution, beside the paper's.
public struct ModelSummary: Codable, Sendable {
    public let name: String
    public let classes: Int
    public let height: Int
    public let width: Int
    /// Parameters of the deployed model (auxiliary heads excluded, as the paper counts).
    public let params: Int
    /// Multiply-accumulates of one inference at height x width (see `OpTrace` for what counts).
    public let macs: Int
    /// nil for a named resize (`Zoo.namedModels`): the paper has no such model.
    public let paperParams: Int?
    public let paperMACs: Int?
    /// Parameters including the training-only auxiliary heads.
    public let trainingParams: Int

    enum CodingKeys: String, CodingKey {
        case name, classes, height, width, params, macs
        case paperParams = "paper_params", paperMACs = "paper_macs", trainingParams = "training_params"
    }

    /// Builds the variant and measures it: MACs from its traced inference graph (as the model
    /// runs in eval mode, batch norms unfolded: `Graph.macs`), so any size costs no activation
    /// memory.
    public static func measure(_ v: Variant, classes: Int? = nil, height: Int? = nil, width: Int? = nil) throws -> ModelSummary {
        let setting = v.paperSetting
        let c = classes ?? setting.classes, h = height ?? setting.height, w = width ?? setting.width
        let model = Zoo.make(v, classes: c)
        let macs = try Graph.trace(model, height: h, width: w).macs
        return ModelSummary(name: v.rawValue, classes: c, height: h, width: w, params: model.inferenceParameterCount, macs: macs,
                            paperParams: v.paperParameters, paperMACs: v.paperMACs, trainingParams: model.parameterCount)
    }

    /// A named resize, at its variant's paper setting unless overridden.
    public static func measure(_ m: Zoo.NamedModel, classes: Int? = nil, height: Int? = nil, width: Int? = nil) throws -> ModelSummary {
        let setting = m.variant.paperSetting
        let c = classes ?? setting.classes, h = height ?? setting.height, w = width ?? setting.width
        let model = Zoo.make(m.variant, classes: c, architecture: m.architecture)
        let macs = try Graph.trace(model, height: h, width: w).macs
        return ModelSummary(name: m.name, classes: c, height: h, width: w, params: model.inferenceParameterCount, macs: macs,
                            paperParams: nil, paperMACs: nil, trainingParams: model.parameterCount)
    }
}

/// Per-module MACs and parameters of one variant, grouped at a key depth.
public enum ModelBreakdown {
    public static func lines(_ v: Variant, classes: Int? = nil, height: Int? = nil, width: Int? = nil, depth: Int = 2,
                             architecture: LiteConfig? = nil) throws -> [String] {
        let setting = v.paperSetting
        let c = classes ?? setting.classes, h = height ?? setting.height, w = width ?? setting.width
        try MemoryEstimate.check(.inference, variant: v, classes: c, height: h, width: w)
        let model = Zoo.make(v, classes: c, architecture: architecture)
        let report = Complexity.measure(model, inputShape: [1, 3, h, w])
        func group(_ key: String) -> String { key.split(separator: ".").prefix(depth).joined(separator: ".") }
        var order: [String] = [], macs: [String: Int] = [:], params: [String: Int] = [:]
        for (key, m) in report.macsByModule {
            let g = group(key)
            if macs[g] == nil { order.append(g) }
            macs[g, default: 0] += m
        }
        for (key, t) in model.namedParameters() {
            let g = group(key.split(separator: ".").dropLast().joined(separator: "."))
            if macs[g] == nil && params[g] == nil { order.append(g) }
            params[g, default: 0] += t.count
        }
        var out = ["\(v.rawValue) at \(h)x\(w), \(c) classes: MACs and parameters per module"]
        for g in order {
            out.append(g.padding(toLength: 28, withPad: " ", startingAt: 0)
                       + String(format: "%9.1fM MACs %9.1fK params", Double(macs[g] ?? 0) / 1e6, Double(params[g] ?? 0) / 1e3))
        }
        return out
    }
}
