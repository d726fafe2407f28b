import Foundation
import HardEngine

// The Cortex-M7 cycle estimate of a firmware run (docs/microcontroller.md, "Cycle model"):
//   cycles = sum over executed blocks b of  executions(b) x cycles(b)  +  P x mispredicts
// where cycles(b) is llvm-mca's steady-state cycles per iteration of block b on LLVM's
// Cortex-M7 scheduling model (dual issue, one MAC pipe, load-use latencies), the executions
// and the branch outcomes come from qemu's trace (`FirmwareTrace`), mispredicts from a
// bimodal predictor over that trace, and P = 8 cycles (the M7's measured mispredict
// penalty; 6 when the flags are set early). Flash wait states and caches are not modelled:
// code and data are assumed to hit (TCM or cache).

/// One measured segment's estimate.
public struct CycleEstimate: Codable, Equatable {
    /// Instructions executed (from the trace; equals qemu's instruction count).
    public var instructions: Int
    /// Sum of executions x llvm-mca cycles per block.
    public var pipelineCycles: Double
    public var mispredicts: Int
    public var cycles: Double
    /// Instructions in blocks llvm-mca could not model (counted at one cycle each).
    public var unmodelledInstructions: Int
}

public struct CycleModel {
    /// Cycles lost per mispredicted branch (jnk0le's Cortex-M7 measurements: 8, 6 with
    /// early flags).
    public var mispredictPenalty = 8.0
    /// Iterations llvm-mca simulates each block for (its steady state).
    public var iterations = 100
    public var llvmMCA = "llvm-mca-14"

    public init() {}

    /// qemu's disassembly made into something llvm-mca takes: branch targets become a label
    /// after the block, calls become plain branches (llvm-mca gives a call a fixed 100-cycle
    /// latency; a BL costs a branch on the M7), instructions llvm-mca has no model for
    /// become NOPs (they are outside the hot loops).
    static func mcaText(_ i: TracedInstruction, label: String, unsupported: Set<String>) -> String {
        var m = String(i.mnemonic)
        var ops = String(i.operands)
        if unsupported.contains(m) || ["cpsid", "cpsie", "udf"].contains(m) { return "nop" }
        // An IT instruction: llvm-mca predicates the instructions itself
        // (-arm-implicit-it=always); the IT keeps an issue slot as a NOP (on the M7 it pairs
        // with the next instruction).
        if m.hasPrefix("it") && m.dropFirst(2).allSatisfy({ $0 == "t" || $0 == "e" }) { return "nop" }
        let kind = BranchKind(i)
        if kind == .conditional || kind == .direct, let hash = ops.lastIndex(of: "#") {
            ops = String(ops[..<hash]) + label
            if m == "bl" { m = "b" }
        }
        if m == "blx" { m = "bx" }
        // Pre/post-indexed loads and stores become plain offset ones: LLVM 14's M7 model
        // issues a writeback access alone and its base update late (8 post-indexed loads: 8
        // cycles; 8 post-indexed word stores: 24), where the core dual-issues them back to back
        // (jnk0le; the `post-index-loads` anchor). What is lost is the base register's
        // one-cycle dependency on the access, which is rarely on a block's critical path.
        if m.hasPrefix("ldr") || m.hasPrefix("str") {
            var writeback = true
            if let r = ops.range(of: "], #") {              // [rN], #imm  ->  [rN]
                ops = String(ops[..<r.lowerBound]) + "]"
            } else if ops.hasSuffix("]!") {                  // [rN, #imm]!  ->  [rN, #imm]
                ops.removeLast()
            } else {
                writeback = false
            }
            // The narrow spelling: llvm-mca 14 aborts on `ldr.w r1, [r0], #4` and kin.
            if writeback, m.hasSuffix(".w") { m.removeLast(2) }
        }
        return ops.isEmpty ? m : "\(m) \(ops)"
    }

    /// Pairs of blocks qemu cut at a 1 kB guest page with no branch between (it ends a block at
    /// every page): (first, second), the second starting where the first ends.
    static func pageSplits(_ blocks: [TracedBlock], used: Set<Int>) -> [(Int, Int)] {
        var byStart: [UInt32: Int] = [:]
        for id in used { byStart[blocks[id].start] = id }
        var pairs: [(Int, Int)] = []
        var taken = Set<Int>()
        for id in used.sorted() {
            guard let last = blocks[id].instructions.last else { continue }
            let end = last.address &+ last.size
            guard end % 1024 == 0, !isControlFlow(last), let next = byStart[end], next != id,
                  !taken.contains(id), !taken.contains(next) else { continue }
            pairs.append((id, next))
            taken.insert(id); taken.insert(next)
        }
        return pairs
    }

    /// Whether an instruction may end a block by itself: a branch, or anything naming PC (a
    /// literal load too: a pair it rules out is only costed in halves, as before).
    static func isControlFlow(_ i: TracedInstruction) -> Bool {
        var m = String(i.mnemonic)
        if m.hasSuffix(".w") || m.hasSuffix(".n") { m.removeLast(2) }
        if m.hasPrefix("cb") || m.hasPrefix("tbb") || m.hasPrefix("tbh") { return true }
        if m.hasPrefix("b") && !["bfc", "bfi", "bic", "bics", "bkpt"].contains(m) { return true }
        return i.operands.contains("pc")
    }

    /// llvm-mca's cycles per iteration for each block (nil: not modelled). A loop that qemu cut
    /// in two at a page boundary is costed whole and its cycles shared by instruction count:
    /// costed apart, each half would run as if it followed itself, and the estimate moved with
    /// code layout (measured: 2.5% on HARD-Edge, for the same instructions).
    public func blockCycles(_ blocks: [TracedBlock], used: Set<Int>) throws -> [Int: Double] {
        var unsupported = Set<String>()
        var regions: [(Int, [String])] = []
        let splits = Self.pageSplits(blocks, used: used)
        let paired = Set(splits.flatMap { [$0.0, $0.1] })
        // Region ids past the blocks' for the merged pairs.
        let merged = Dictionary(uniqueKeysWithValues: splits.enumerated().map { (blocks.count + $0.offset, $0.element) })
        // The lines are rebuilt when llvm-mca names an instruction it has no model for.
        func rebuild() {
            regions = used.subtracting(paired).sorted().map { id in
                (id, blocks[id].instructions.map { Self.mcaText($0, label: ".Lend\(id)", unsupported: unsupported) })
            }
            for (id, (a, b)) in merged.sorted(by: { $0.key < $1.key }) {
                regions.append((id, (blocks[a].instructions + blocks[b].instructions).map {
                    Self.mcaText($0, label: ".Lend\(id)", unsupported: unsupported)
                }))
            }
        }
        /// The merged regions' cycles back on their halves.
        func unmerged(_ costs: [Int: Double]) -> [Int: Double] {
            var out = costs.filter { $0.key < blocks.count }
            for (id, (a, b)) in merged {
                guard let c = costs[id] else { continue }
                let na = Double(blocks[a].instructions.count), nb = Double(blocks[b].instructions.count)
                out[a] = c * na / (na + nb)
                out[b] = c * nb / (na + nb)
            }
            return out
        }
        rebuild()
        for _ in 0..<30 {
            switch try regionCycles(regions) {
            case .costs(let costs):
                return unmerged(costs)
            case .unsupported(let mnemonic) where !unsupported.contains(mnemonic):
                unsupported.insert(mnemonic)
                rebuild()
            case .unsupported, .crashed:
                // llvm-mca 14 aborts on a few encodings (e.g. `ldr.w r1, [r0], #4`): cost the
                // blocks one by one and leave out those it cannot take.
                var costs: [Int: Double] = [:]
                for r in regions {
                    if case .costs(let c) = try regionCycles([r]) { costs.merge(c) { a, _ in a } }
                }
                return unmerged(costs)
            }
        }
        throw FirmwareError(step: "llvm-mca", detail: "too many instructions it has no model for: \(unsupported.sorted())")
    }

    enum RegionResult { case costs([Int: Double]), unsupported(String), crashed }

    /// One llvm-mca run over `regions` (id, instruction lines; a branch's target is the label
    /// `.Lend<id>` after them). A region it rejects (an assembler error names its line) is
    /// left out and the rest rerun.
    func regionCycles(_ regions: [(Int, [String])]) throws -> RegionResult {
        var dropped = Set<Int>()
        while true {
            var text = ".syntax unified\n.thumb\n"
            var lineOwner: [Int] = [-1, -1]
            for (id, lines) in regions where !dropped.contains(id) {
                text += "# LLVM-MCA-BEGIN b\(id)\n"; lineOwner.append(id)
                for l in lines { text += "  " + l + "\n"; lineOwner.append(id) }
                text += ".Lend\(id):\n# LLVM-MCA-END\n"; lineOwner += [id, id]
            }
            if lineOwner.count == 2 { return .costs([:]) }
            let input = FileManager.default.temporaryDirectory.appendingPathComponent("hard-mca-\(UUID().uuidString).s")
            try text.write(to: input, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(at: input) }
            let (status, output) = try MicroFirmware.execute("/usr/bin/env", [
                llvmMCA, "-mtriple=thumbv7em-none-eabi", "-mcpu=cortex-m7", "-iterations=\(iterations)",
                "-arm-implicit-it=always", "-resource-pressure=false", "-instruction-info=false", input.path,
            ], timeout: 600)
            if status == 0 { return .costs(Self.parseRegions(output)) }
            // "file.s:LINE:COL: error: ..." names the line.
            if let match = output.split(separator: "\n").first(where: { $0.contains(": error:") }),
               let line = match.split(separator: ":").dropFirst().first.flatMap({ Int($0) }), line - 1 < lineOwner.count,
               lineOwner[line - 1] >= 0 {
                dropped.insert(lineOwner[line - 1])
                continue
            }
            // An instruction without scheduling data is reported after its region.
            if output.contains("unsupported instruction"), let note = output.split(separator: "\n").first(where: { $0.contains("instruction:") }),
               let m = note.split(separator: ":").last?.split(whereSeparator: { $0 == " " || $0 == "\t" }).first {
                return .unsupported(String(m))
            }
            if output.contains("Stack dump") || output.contains("PLEASE submit") { return .crashed }
            throw FirmwareError(step: "llvm-mca", detail: String(output.suffix(800)))
        }
    }

    /// "[k] Code Region - bID" ... "Iterations: N" ... "Total Cycles: C".
    static func parseRegions(_ output: String) -> [Int: Double] {
        var result: [Int: Double] = [:]
        var region: Int?
        var iterations = 0.0
        for line in output.split(separator: "\n") {
            if let r = line.range(of: "Code Region - b") {
                region = Int(line[r.upperBound...])
            } else if line.hasPrefix("Iterations:") {
                iterations = Double(line.split(separator: " ").last ?? "") ?? 0
            } else if line.hasPrefix("Total Cycles:"), let id = region, iterations > 0,
                      let c = Double(line.split(separator: " ").last ?? "") {
                result[id] = c / iterations
                region = nil
            }
        }
        return result
    }

    /// The estimate of each segment of `trace`.
    public func estimate(_ trace: FirmwareTrace) throws -> [CycleEstimate] {
        var used = Set<Int>()
        for s in trace.segments { for (b, n) in s.executions where n > 0 { used.insert(b) } }
        let cost = try blockCycles(trace.blocks, used: used)
        return trace.segments.map { s in
            var pipeline = 0.0, instructions = 0, unmodelled = 0
            for (b, n) in s.executions where n > 0 {
                let count = trace.blocks[b].instructions.count
                instructions += n * count
                if let c = cost[b] {
                    pipeline += Double(n) * c
                } else {
                    pipeline += Double(n * count)
                    unmodelled += n * count
                }
            }
            return CycleEstimate(instructions: instructions, pipelineCycles: pipeline, mispredicts: s.mispredicts,
                                 cycles: pipeline + mispredictPenalty * Double(s.mispredicts), unmodelledInstructions: unmodelled)
        }
    }

    /// Runs `elf` in qemu with the trace on and estimates each measured segment (the
    /// firmware's whole inference first, then each op alone).
    public func run(elf: String, timeout: TimeInterval = 900) throws -> (trace: FirmwareTrace, estimates: [CycleEstimate]) {
        let (start, end) = try Self.timerSymbols(elf)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = MicroFirmware.qemuArguments(elf: elf) + ["-d", "in_asm,exec,nochain"]
        let log = Pipe()
        p.standardError = log
        p.standardOutput = FileHandle.nullDevice
        do { try p.run() } catch {
            throw FirmwareError(step: "qemu", detail: "cannot start: \(FileError.words(for: error))")
        }
        let timer = DispatchWorkItem { if p.isRunning { p.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: timer)
        var parser = FirmwareTrace.Parser(segmentStart: start, segmentEnd: end)
        let fd = log.fileHandleForReading.fileDescriptor
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let n = read(fd, buffer.baseAddress, buffer.count)
            if n <= 0 { break }
            parser.feed(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
        }
        p.waitUntilExit()
        timer.cancel()
        let trace = parser.finish()
        guard p.terminationReason == .exit, p.terminationStatus == 0 else {
            throw FirmwareError(step: "qemu (trace)", detail: "exited with \(p.terminationStatus): \(trace.otherLines.suffix(5).joined(separator: "\n"))")
        }
        guard !trace.segments.isEmpty else {
            throw FirmwareError(step: "qemu (trace)", detail: "the trace has no timed segment (fw_timer_start never ran)")
        }
        return (trace, try estimate(trace))
    }

    /// Addresses of fw_timer_start and fw_timer_instructions (`arm-none-eabi-nm`).
    static func timerSymbols(_ elf: String) throws -> (UInt32, UInt32) {
        let (status, output) = try MicroFirmware.execute("/usr/bin/env", ["arm-none-eabi-nm", elf], timeout: 60)
        var found: [String: UInt32] = [:]
        for line in output.split(separator: "\n") {
            let f = line.split(separator: " ")
            if f.count == 3, let a = UInt32(f[0], radix: 16) { found[String(f[2])] = a & ~1 }
        }
        guard status == 0, let s = found["fw_timer_start"], let e = found["fw_timer_instructions"] else {
            throw FirmwareError(step: "nm", detail: "\(elf) has no fw_timer_start / fw_timer_instructions")
        }
        return (s, e)
    }
}
