import ArgumentParser
import Foundation
import HardEngine

struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check the install: oneDNN version and ISA, and every op against the reference and finite differences.",
        discussion: """
        For each op, forward and backward run on oneDNN and on the plain-Swift reference \
        kernels (max-norm relative error must be ≤ 1e-4), and the backward is compared with \
        central finite differences (≤ 1e-2 in float32). Exits with status 1 if any op is off.
        """
    )

    @Flag(name: .long, help: "Print JSON: {onednn: {version, isa}, ops: [{op, forward_rel_err, backward_rel_err, gradcheck_rel_err}]}.")
    var json = false

    func run() throws {
        let report = DoctorReport.make()
        if json {
            print(try report.jsonString())
        } else {
            print(report.table())
        }
        if !report.allPassed { throw ExitCode(1) }
    }
}
