import Foundation

/// What `hard doctor` reports: the oneDNN install and every op's check.
public struct DoctorReport: Codable, Sendable {
    public struct OneDNNInfo: Codable, Sendable {
        public let available: Bool
        public let version: String
        public let isa: String
    }

    public let onednn: OneDNNInfo
    public let ops: [OpCheckResult]
    public let kernelTolerance: Double
    public let gradcheckTolerance: Double

    enum CodingKeys: String, CodingKey {
        case onednn, ops
        case kernelTolerance = "kernel_tolerance"
        case gradcheckTolerance = "gradcheck_tolerance"
    }

    public var allPassed: Bool { onednn.available && ops.allSatisfy(\.passed) }

    public static func make() -> DoctorReport {
        let available = OneDNN.isAvailable
        return DoctorReport(
            onednn: OneDNNInfo(available: available, version: available ? OneDNN.version : "not loaded",
                               isa: available ? OneDNN.isa : "none"),
            ops: OpChecks.runAll(),
            kernelTolerance: OpChecks.kernelTolerance,
            gradcheckTolerance: OpChecks.gradcheckTolerance)
    }

    public func jsonString() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    public func table() -> String {
        var lines = ["oneDNN \(onednn.version), ISA \(onednn.isa)", ""]
        let header = "op".padding(toLength: 34, withPad: " ", startingAt: 0) + "forward    backward   gradcheck  status"
        lines.append(header)
        for r in ops {
            let cells = [r.forwardRelErr, r.backwardRelErr, r.gradcheckRelErr].map { String(format: "%-10.2e ", $0) }.joined()
            lines.append(r.op.padding(toLength: 34, withPad: " ", startingAt: 0) + cells + (r.passed ? "ok" : "FAIL"))
        }
        lines.append("")
        lines.append(allPassed ? "all \(ops.count) ops within tolerance (kernels ≤ \(kernelTolerance), gradcheck ≤ \(gradcheckTolerance))"
                               : "SOME OPS ARE OFF: see FAIL rows above")
        return lines.joined(separator: "\n")
    }
}
