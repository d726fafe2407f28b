import Foundation

// Loops whose Cortex-M7 cycles were measured on silicon, against what the cycle model's
// llvm-mca says for them (docs/microcontroller.md, "Cycle model"). The measurements are
// jnk0le's (github.com/jnk0le/random, "pipeline cycle test/doc/cortex_m7.md": DWT.CYCCNT on
// an STM32H743 rev Y, instruction sequences repeated in a loop); each anchor states the rule
// it measured and the cycles that rule gives for the sequence, repeated back to back as
// llvm-mca repeats a block. Some rules llvm-mca's model does not know (bank conflicts, LDM
// timing, MAC + store pairing, the store buffer): those anchors say which way the model errs,
// so `hard mcu cycles --anchors` and the test show the model's known blind spots with numbers.

public struct CycleAnchor {
    public enum Expectation { case agrees, modelFaster, modelSlower }

    public var name: String
    /// The measured rule, in words, from the source.
    public var rule: String
    public var lines: [String]
    /// Cycles the measurement gives for one pass over `lines`.
    public var measuredCycles: Double
    public var expectation: Expectation

    public static let source = "jnk0le/random, pipeline cycle test/doc/cortex_m7.md (STM32H743, DWT.CYCCNT)"

    static func repeated(_ line: (Int) -> String, _ n: Int) -> [String] { (0..<n).map(line) }

    public static let all: [CycleAnchor] = [
        CycleAnchor(name: "alu-dual-issue", rule: "two simple ALU ops (immediate operands) issue per cycle",
                    lines: repeated({ "add.w r\($0), r\($0), #1" }, 8), measuredCycles: 4, expectation: .agrees),
        CycleAnchor(name: "smlad-chain", rule: "multiply-accumulates chain on the accumulator every cycle",
                    lines: repeated({ $0 % 2 == 0 ? "smlad r0, r1, r2, r0" : "smlad r0, r3, r4, r0" }, 8), measuredCycles: 8,
                    expectation: .agrees),
        CycleAnchor(name: "smlad-single-issue", rule: "multiplies and MACs cannot dual-issue with each other",
                    lines: repeated({ "smlad r\($0), r8, r9, r\($0)" }, 8), measuredCycles: 8, expectation: .agrees),
        CycleAnchor(name: "dsp-single-issue", rule: "bitfield/DSP ops (sxtb16, uxtb, pkhbt, ...) cannot dual-issue with each other",
                    lines: repeated({ "sxtb16 r\($0), r8" }, 8), measuredCycles: 8, expectation: .agrees),
        CycleAnchor(name: "load-pairs", rule: "two word loads dual-issue when they hit different banks (even and odd words)",
                    lines: repeated({ "ldr.w r\($0 + 1), [r0, #\($0 * 4)]" }, 8), measuredCycles: 4, expectation: .agrees),
        CycleAnchor(name: "post-index-loads", rule: "pre- and post-indexed loads dual-issue back to back (no bank conflict)",
                    lines: repeated({ $0 % 2 == 0 ? "ldr r\($0 / 2 + 1), [r0], #4" : "ldr r\($0 / 2 + 5), [r9], #4" }, 8),
                    measuredCycles: 4, expectation: .agrees),
        CycleAnchor(name: "load-store-pairs", rule: "a store dual-issues with a load",
                    lines: ["ldr.w r1, [r0]", "str.w r2, [r3]", "ldr.w r4, [r0, #4]", "str.w r2, [r3, #4]"], measuredCycles: 2,
                    expectation: .agrees),
        CycleAnchor(name: "load-use", rule: "a word load's result is consumed by the (late) ALU in the next cycle",
                    lines: ["ldr r1, [r0]", "add r2, r2, r1", "ldr r3, [r0, #4]", "add r2, r2, r3"], measuredCycles: 2,
                    expectation: .agrees),
        CycleAnchor(name: "load-bank-conflict", rule: "two loads to the same bank do not dual-issue",
                    lines: repeated({ "ldr.w r\($0 + 1), [r0, #\($0 * 8)]" }, 8), measuredCycles: 8, expectation: .modelFaster),
        CycleAnchor(name: "push-pop", rule: "LDM/STM/PUSH/POP take ceil(registers / 2) cycles and issue alone",
                    lines: ["push {r4, r5, r6, r7, r8, r9, r10, r11}", "pop {r4, r5, r6, r7, r8, r9, r10, r11}"], measuredCycles: 8,
                    expectation: .modelFaster),
        CycleAnchor(name: "mul-store", rule: "multiplies cannot dual-issue with stores",
                    lines: repeated({ $0 % 2 == 0 ? "mul r\($0 / 2 + 1), r8, r9" : "str.w r10, [r0, #\($0 / 2 * 4)]" }, 8),
                    measuredCycles: 8, expectation: .modelFaster),
        CycleAnchor(name: "strb-stream", rule: "unit-stride byte stores: 2.4 cycles each (the store buffer does not merge them)",
                    lines: repeated({ _ in "strb r1, [r0], #1" }, 8), measuredCycles: 19.2, expectation: .modelFaster),
    ]
}

extension CycleModel {
    /// Each anchor with the model's cycles for one pass over it (its lines given to llvm-mca
    /// as a firmware block's are).
    public func anchors() throws -> [(anchor: CycleAnchor, model: Double)] {
        let all = CycleAnchor.all
        let regions = all.enumerated().map { k, a in
            (k, a.lines.map { Self.mcaText(TracedInstruction(address: 0, size: 4, text: $0), label: ".Lend\(k)", unsupported: []) })
        }
        guard case .costs(let costs) = try regionCycles(regions) else {
            throw FirmwareError(step: "llvm-mca", detail: "cannot model the anchor loops")
        }
        return try all.enumerated().map { k, a in
            guard let c = costs[k] else { throw FirmwareError(step: "llvm-mca", detail: "no cycles for the anchor \(a.name)") }
            return (a, c)
        }
    }
}
