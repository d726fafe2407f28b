import HardEngine
import HardModels

extension FloatGraph {
    /// The blocked-layout inference plan of this graph (HardEngine's `BlockedInference`).
    public func blockedInference() throws -> BlockedInference {
        let nodes: [InferenceNode] = nodes.map { node in
            switch node {
            case .conv(let i, let o, let w, let b, let g, let act):
                return InferenceNode(.conv(input: i, weight: w, bias: b, geometry: g, activation: act), output: o)
            case .add(let a, let b, let o): return InferenceNode(.add(a, b), output: o)
            case .concat(let xs, let o): return InferenceNode(.concat(xs), output: o)
            case .resize(let i, let o, let h, let w): return InferenceNode(.resize(i, height: h, width: w), output: o)
            case .pool(let i, let o, let kind, let g): return InferenceNode(.pool(i, kind: kind, geometry: g), output: o)
            case .globalPool(let i, let o, let kind): return InferenceNode(.globalPool(i, kind: kind), output: o)
            }
        }
        return try BlockedInference(nodes: nodes, shapes: shapes, output: output)
    }
}
