import HardEngine

/// How activation ranges are taken from calibration data.
public enum CalibrationMethod: Equatable, Sendable, CustomStringConvertible {
    /// The smallest and largest value seen.
    case minMax
    /// The p-th and (100 - p)-th percentiles of the values seen (e.g. 99.99): clips rare
    /// outliers, trading them for a finer step everywhere else.
    case percentile(Double)

    public var description: String {
        switch self {
        case .minMax: return "min/max"
        case .percentile(let p): return "percentile \(p)"
        }
    }
}

/// Observes every value of a `Graph` over calibration inputs and yields per-value ranges.
public struct RangeCalibrator {
    public let method: CalibrationMethod
    private var lo: [Float]
    private var hi: [Float]
    private var samples: [[Float]]
    /// Values kept per tensor and image for percentiles (evenly strided).
    static let samplesPerImage = 16_384

    public init(valueCount: Int, method: CalibrationMethod) {
        self.method = method
        lo = [Float](repeating: .infinity, count: valueCount)
        hi = [Float](repeating: -.infinity, count: valueCount)
        samples = [[Float]](repeating: [], count: valueCount)
    }

    public private(set) var images = 0

    public mutating func observe(_ graph: Graph, input: Tensor) {
        let values = graph.run(input)
        for (v, t) in values.enumerated() {
            guard let t else { continue }
            let p = t.pointer, n = t.count
            var l = lo[v], h = hi[v]
            for i in 0..<n { l = min(l, p[i]); h = max(h, p[i]) }
            lo[v] = l; hi[v] = h
            if case .percentile = method {
                let stride = max(1, n / Self.samplesPerImage)
                for i in Swift.stride(from: 0, to: n, by: stride) { samples[v].append(p[i]) }
            }
        }
        images += 1
    }

    /// The range of value v ((0, 0) if never seen).
    public func range(_ v: Int) -> (Float, Float) {
        guard lo[v] <= hi[v] else { return (0, 0) }
        switch method {
        case .minMax: return (lo[v], hi[v])
        case .percentile(let p):
            let s = samples[v].sorted()
            guard !s.isEmpty else { return (lo[v], hi[v]) }
            let q = min(max(p, 50), 100) / 100
            let upper = s[min(s.count - 1, Int((Double(s.count - 1) * q).rounded()))]
            let lower = s[max(0, Int((Double(s.count - 1) * (1 - q)).rounded()))]
            return (lower, upper)
        }
    }
}
