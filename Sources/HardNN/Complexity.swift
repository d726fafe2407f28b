import HardEngine

/// Counts parameters and multiply-accumulates by running the model once, in evaluation
/// mode and without autodiff, on a zero input: the graph counted is the graph that runs.
/// Each op reports its MACs through `OpTrace` (see there for what counts); each cost is
/// attributed to the innermost module that was executing. FLOPs = 2 x MACs.
public enum Complexity {
    /// The cost of one op, attributed to a module key (e.g. `encoder.stages.2.conv`).
    public struct Row: Sendable {
        public let module: String
        public let op: String
        public let macs: Int
        public let outputShape: [Int]
    }

    public struct Report: Sendable {
        public let rows: [Row]
        public let parameters: Int
        public var macs: Int { rows.reduce(0) { $0 + $1.macs } }
        public var flops: Int { 2 * macs }

        /// MACs summed per module key, in execution order of first appearance.
        public var macsByModule: [(String, Int)] {
            var order: [String] = [], sums: [String: Int] = [:]
            for r in rows {
                if sums[r.module] == nil { order.append(r.module) }
                sums[r.module, default: 0] += r.macs
            }
            return order.map { ($0, sums[$0]!) }
        }
    }

    nonisolated(unsafe) static var isTracing = false
    nonisolated(unsafe) static var keys: [ObjectIdentifier: String] = [:]
    nonisolated(unsafe) static var stack: [String] = []

    static func enter(_ m: Module) { stack.append(keys[ObjectIdentifier(m)] ?? "?") }
    static func leave() { stack.removeLast() }

    /// Measures `run(input)` for a zero input of `shape` ((1, 3, H, W) for an image model).
    /// `parameters` counts what `parameterModule` holds (defaults to `model`).
    public static func measure(_ model: Module, inputShape: [Int], parameters: Int? = nil,
                               run: ((Tensor) -> Tensor)? = nil) -> Report {
        precondition(!isTracing, "Complexity.measure is not reentrant")
        let wasTraining = model.isTraining
        model.eval()
        defer { if wasTraining { model.train() } }
        keys = Dictionary(model.namedModules().map { (ObjectIdentifier($0.1), $0.0.isEmpty ? "(model)" : $0.0) },
                          uniquingKeysWith: { a, _ in a })
        var rows: [Row] = []
        isTracing = true
        stack = ["(model)"]
        OpTrace.recorder = { e in rows.append(Row(module: stack.last ?? "?", op: e.op, macs: e.macs, outputShape: e.outputShape)) }
        defer { OpTrace.recorder = nil; isTracing = false; stack = []; keys = [:] }
        withNoGrad {
            let x = Tensor.zeros(inputShape)
            _ = run?(x) ?? model(x)
        }
        return Report(rows: rows, parameters: parameters ?? model.parameterCount)
    }
}
