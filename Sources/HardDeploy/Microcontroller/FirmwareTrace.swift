import Foundation

// Which code the firmware executed, how often, and how its branches went: qemu's own log of
// a run (`-d in_asm,exec,nochain`), read as it streams. No qemu plugin is needed (Debian's
// qemu 7.2 ships without the plugin header).
//
// The log (qemu 7.2, accel/tcg):
//   IN: <symbol>                       a translation block (TB) was translated: its
//   0x000004f0:  b580       push {r7, lr}    instructions follow (address, bytes, text),
//   <blank line>                       then a blank line;
//   Trace 0: 0x7f..host [00800408/000004f0/00000110/ff020200] <symbol>
//                                      a TB is entered (host code pointer, guest pc);
//   cpu_io_recompile: rewound execution of TB to 000000c2
//                                      the TB just entered stopped before that
//                                      instruction (an I/O access: it is retranslated).
// With `nochain` every TB entry is logged. A translation is bound to its host pointer by
// the first Trace of its pc that follows it; a TB ends at a branch (or a size limit, or an
// I/O access), so consecutive Trace lines say whether the last instruction branched.

/// One instruction of a translation block.
public struct TracedInstruction: Hashable {
    public var address: UInt32
    public var size: UInt32
    /// qemu's disassembly (LLVM-compatible syntax), e.g. "smlad    r0, r1, r2, r0".
    public var text: String

    public var mnemonic: Substring { text.split(separator: " ", maxSplits: 1).first ?? "" }
    public var operands: Substring {
        let parts = text.split(separator: " ", maxSplits: 1)
        return parts.count == 2 ? parts[1].drop(while: { $0 == " " }) : ""
    }
}

/// How a block's last instruction transfers control.
enum BranchKind {
    case none, conditional, direct, indirect

    static let conditions: Set<String> = ["eq", "ne", "cs", "hs", "cc", "lo", "mi", "pl", "vs", "vc", "hi", "ls", "ge", "lt", "gt", "le"]

    init(_ i: TracedInstruction) {
        var m = String(i.mnemonic)
        if m.hasSuffix(".w") || m.hasSuffix(".n") { m.removeLast(2) }
        let ops = i.operands
        let writesPC = ops.hasPrefix("pc") || ops.contains("pc}")
        switch m {
        case "cbz", "cbnz": self = .conditional
        case "b", "bl": self = .direct
        case "bx", "blx", "tbb", "tbh": self = .indirect
        default:
            if m.hasPrefix("b"), Self.conditions.contains(String(m.dropFirst())) {
                self = .conditional
            } else if (m.hasPrefix("pop") || m.hasPrefix("ldm") || m.hasPrefix("ldr") || m.hasPrefix("mov")) && writesPC {
                self = .indirect
            } else {
                self = .none
            }
        }
    }
}

/// A translated block: its start and instructions.
public struct TracedBlock: Hashable {
    public var symbol: String
    public var instructions: [TracedInstruction]
    public var start: UInt32 { instructions.first?.address ?? 0 }
}

/// What one stretch of the run executed: block id -> executions, and the branch
/// predictor's misses there.
public struct TraceSegment {
    public var executions: [Int: Int] = [:]
    public var mispredicts = 0
    public var conditionalBranches = 0
    public var indirectBranches = 0

    public func instructions(_ blocks: [TracedBlock]) -> Int {
        executions.reduce(0) { $0 + $1.value * blocks[$1.key].instructions.count }
    }
}

/// The run, split into measured segments: from each entry of `fw_timer_start` to the next
/// entry of `fw_timer_instructions` (the firmware times one inference, then each op alone).
public struct FirmwareTrace {
    public var blocks: [TracedBlock] = []
    public var segments: [TraceSegment] = []
    /// Lines qemu wrote that are not part of the trace (its own errors), the last few.
    public var otherLines: [String] = []

    /// The branch predictor assumed (docs/microcontroller.md, "Cycle model"): a 2-bit
    /// saturating counter per conditional branch (a bimodal predictor, starting at weakly
    /// not taken) and, for indirect branches (bx lr, pop {pc}, ...), the last target of that
    /// branch (a branch target cache). Direct unconditional branches are predicted.
    struct Predictor {
        var counters: [UInt32: UInt8] = [:]
        var targets: [UInt32: UInt32] = [:]

        /// Whether the outcome was mispredicted; learns it.
        mutating func conditional(at pc: UInt32, taken: Bool) -> Bool {
            let c = counters[pc] ?? 1
            let predicted = c >= 2
            counters[pc] = taken ? min(c + 1, 3) : (c == 0 ? 0 : c - 1)
            return predicted != taken
        }

        mutating func indirect(at pc: UInt32, target: UInt32) -> Bool {
            let missed = targets[pc] != target
            targets[pc] = target
            return missed
        }
    }

    /// Parses a log as it streams (`feed`), then `finish`.
    public struct Parser {
        let segmentStart: UInt32, segmentEnd: UInt32
        var trace = FirmwareTrace()
        var blockIndex: [TracedBlock: Int] = [:]
        var hostBlocks: [UInt64: Int] = [:]
        /// Translations not yet entered, by start pc.
        var pending: [UInt32: Int] = [:]
        var translating: TracedBlock?
        var current: Int? = nil          // segment being recorded
        var previous: (block: Int, segment: Int?)? = nil
        var predictor = Predictor()
        var partialLine: [UInt8] = []

        /// `segmentStart`, `segmentEnd`: the addresses of fw_timer_start and
        /// fw_timer_instructions.
        public init(segmentStart: UInt32, segmentEnd: UInt32) {
            self.segmentStart = segmentStart
            self.segmentEnd = segmentEnd
        }

        public mutating func feed(_ bytes: UnsafeRawBufferPointer) {
            var start = 0
            for i in 0..<bytes.count where bytes[i] == 10 {
                if partialLine.isEmpty {
                    line(UnsafeRawBufferPointer(rebasing: bytes[start..<i]))
                } else {
                    partialLine += bytes[start..<i]
                    partialLine.withUnsafeBytes { line($0) }
                    partialLine.removeAll(keepingCapacity: true)
                }
                start = i + 1
            }
            if start < bytes.count { partialLine += bytes[start...] }
        }

        public mutating func finish() -> FirmwareTrace {
            if !partialLine.isEmpty { partialLine.withUnsafeBytes { line($0) } }
            endTranslation()
            return trace
        }

        mutating func intern(_ b: TracedBlock) -> Int {
            if let id = blockIndex[b] { return id }
            trace.blocks.append(b)
            blockIndex[b] = trace.blocks.count - 1
            return trace.blocks.count - 1
        }

        mutating func endTranslation() {
            if let t = translating, !t.instructions.isEmpty { pending[t.start] = intern(t) }
            translating = nil
        }

        static func hex(_ s: Substring) -> UInt64? { UInt64(s.hasPrefix("0x") ? s.dropFirst(2) : s, radix: 16) }

        mutating func line(_ raw: UnsafeRawBufferPointer) {
            guard raw.count > 0 else { endTranslation(); return }
            let first = raw[0]
            if first == UInt8(ascii: "T"), raw.count > 6, raw[1] == UInt8(ascii: "r") {
                entered(raw)
                return
            }
            let text = String(decoding: raw, as: UTF8.self)
            if text.hasPrefix("IN:") {
                endTranslation()
                translating = TracedBlock(symbol: String(text.dropFirst(3).drop(while: { $0 == " " })), instructions: [])
            } else if text.hasPrefix("0x"), translating != nil {
                instruction(text)
            } else if text.hasPrefix("cpu_io_recompile: rewound execution of TB to ") {
                rewound(to: UInt32(Self.hex(text.split(separator: " ").last ?? "") ?? 0))
            } else if !text.hasPrefix("----") {
                trace.otherLines.append(text)
                if trace.otherLines.count > 20 { trace.otherLines.removeFirst() }
            }
        }

        /// "0x000000c4:  f441 0170  orr      r1, r1, #0xf00000"
        mutating func instruction(_ text: String) {
            guard let colon = text.firstIndex(of: ":"), let address = Self.hex(text[..<colon]) else { return }
            var rest = text[text.index(after: colon)...].drop(while: { $0 == " " })
            var size: UInt32 = 0
            while let space = rest.firstIndex(of: " "), rest.distance(from: rest.startIndex, to: space) == 4,
                  rest[..<space].allSatisfy({ $0.isHexDigit }) {
                size += 2
                rest = rest[space...].drop(while: { $0 == " " })
            }
            guard size > 0 else { return }
            translating?.instructions.append(TracedInstruction(address: UInt32(address), size: size, text: String(rest)))
        }

        /// "Trace 0: 0x7f730c000100 [00800408/000000c0/00000110/ff020200] Reset_Handler"
        mutating func entered(_ raw: UnsafeRawBufferPointer) {
            endTranslation()
            // host pointer: after "Trace N: "; pc: the second field in brackets.
            var i = 0
            while i < raw.count && raw[i] != UInt8(ascii: ":") { i += 1 }
            i += 2
            var host: UInt64 = 0
            if i + 1 < raw.count && raw[i] == UInt8(ascii: "0") && raw[i + 1] == UInt8(ascii: "x") { i += 2 }
            while i < raw.count, let d = hexDigit(raw[i]) { host = host << 4 | UInt64(d); i += 1 }
            while i < raw.count && raw[i] != UInt8(ascii: "/") { i += 1 }
            i += 1
            var pc: UInt32 = 0
            while i < raw.count, let d = hexDigit(raw[i]) { pc = pc << 4 | UInt32(d); i += 1 }

            let block: Int
            if let id = pending.removeValue(forKey: pc) {
                block = id
                hostBlocks[host] = id
            } else if let id = hostBlocks[host], trace.blocks[id].start == pc {
                block = id
            } else {
                trace.otherLines.append("trace: no translation for the block at \(String(pc, radix: 16))")
                previous = nil
                return
            }
            // The previous block's last instruction: did it branch, and was that predicted?
            if let p = previous, let last = trace.blocks[p.block].instructions.last, let seg = p.segment {
                let taken = pc != last.address &+ last.size
                switch BranchKind(last) {
                case .conditional:
                    trace.segments[seg].conditionalBranches += 1
                    if predictor.conditional(at: last.address, taken: taken) { trace.segments[seg].mispredicts += 1 }
                case .indirect:
                    trace.segments[seg].indirectBranches += 1
                    if predictor.indirect(at: last.address, target: pc) { trace.segments[seg].mispredicts += 1 }
                case .direct, .none:
                    break
                }
            }
            if pc == segmentStart {
                trace.segments.append(TraceSegment())
                current = trace.segments.count - 1
            } else if pc == segmentEnd {
                current = nil
            }
            if let c = current { trace.segments[c].executions[block, default: 0] += 1 }
            previous = (block, current)
        }

        /// The block just entered ran only up to `address` (then qemu retranslated from there).
        mutating func rewound(to address: UInt32) {
            guard let p = previous else { return }
            let full = trace.blocks[p.block]
            let done = full.instructions.filter { $0.address < address }
            if let seg = p.segment {
                trace.segments[seg].executions[p.block, default: 0] -= 1
                if !done.isEmpty {
                    trace.segments[seg].executions[intern(TracedBlock(symbol: full.symbol, instructions: done)), default: 0] += 1
                }
            }
            previous = nil   // not a branch: the next block continues at `address`
        }
    }
}

@inline(__always)
private func hexDigit(_ c: UInt8) -> UInt8? {
    switch c {
    case 48...57: return c - 48
    case 97...102: return c - 87
    case 65...70: return c - 55
    default: return nil
    }
}
