// A validated view of an int8 model blob, read in place (no copy of the weights): on the
// microcontroller the blob stays in flash. Every size, offset and shape is checked here, once,
// so the kernels can trust them; a blob that fails any check is refused, never executed.

/// One activation tensor of the graph (NHWC, batch 1).
public struct MicroTensor {
    public var height: Int
    public var width: Int
    public var channels: Int
    public var type: ElementType
    public var zeroPoint: Int32
    /// float32 bits of the scale; the host's dequantization only.
    public var scaleBits: UInt32

    public var elementCount: Int { height * width * channels }
}

public struct MicroModel {
    public let base: UnsafeRawPointer
    public let byteCount: Int
    public let tensors: [MicroTensor]
    /// Word index of each op record, in execution order.
    public let opWords: [Int]
    public let inputTensor: Int
    public let outputTensor: Int
    /// Every op record, decoded once here: the interpreter and the planner read the named
    /// fields, never the blob's words (nothing is decoded per inference).
    public private(set) var records: [OpRecord] = []
    /// Tensors each op reads and writes, from the records (no allocation per inference).
    private var decoded: [(inputs: [Int], output: Int)] = []
    /// The graph ends in resize -> argmax and nothing else reads the resized logits: the
    /// interpreter then runs both as one kernel and the full-size logits never exist (at
    /// 64x64 with 11 classes they would be 45 kB of arena).
    public private(set) var fusedUpsampleArgMax = false
    /// Per op: a convolution whose accumulators are provably below 2^(30 - s) in magnitude, whose
    /// multipliers all lie in [2^-22, 2^s) (s = 6 for depthwise convolutions, 0 for dense
    /// ones; s the channel's left shift) and whose activation clamp is the whole int8 range,
    /// so `BoundedRequantizer` gives TFLite's integers (false for every other op). Decided
    /// once here from the weights, biases and operands.
    public private(set) var boundedRequantization: [Bool] = []

    /// Validates `blob` (magic, version, size, CRC-32, tables, every op's operands and shapes).
    public init(blob: UnsafeRawBufferPointer) throws(MicroError) {
        guard let base = blob.baseAddress, blob.count >= BlobFormat.headerWords * 4 else { throw .tooSmall }
        guard UInt(bitPattern: base) & 3 == 0 else { throw .misaligned }
        let words = base.assumingMemoryBound(to: UInt32.self)
        guard UInt32(littleEndian: words[0]) == BlobFormat.magic else { throw .badMagic }
        guard UInt32(littleEndian: words[1]) == BlobFormat.version else { throw .unsupportedVersion }
        func int(_ i: Int) -> Int { let w = UInt32(littleEndian: words[i]); return w > 0x7FFF_FFFF ? 0x7FFF_FFFF : Int(w) }
        let total = int(2)
        guard total == blob.count, total % 4 == 0 else { throw .sizeMismatch }
        let body = UnsafeRawBufferPointer(start: base + BlobFormat.checksummedFrom, count: total - BlobFormat.checksummedFrom)
        guard crc32(body) == UInt32(littleEndian: words[3]) else { throw .checksumMismatch }

        let wordCount = total / 4
        let tensorCount = int(4), opCount = int(5), input = int(6), output = int(7), opsByte = int(8)
        guard tensorCount >= 2, tensorCount < 4096, input < tensorCount, output < tensorCount, input != output,
              BlobFormat.headerWords + tensorCount * BlobFormat.tensorWords <= wordCount else { throw .malformedTensor }

        var tensors: [MicroTensor] = []
        tensors.reserveCapacity(tensorCount)
        for t in 0..<tensorCount {
            let w = BlobFormat.headerWords + t * BlobFormat.tensorWords
            let h = int(w), wd = int(w + 1), c = int(w + 2)
            // Bounds that keep every size computed later inside 31 bits (Int is 32-bit on the MCU).
            guard h >= 1, wd >= 1, c >= 1, h <= 4096, wd <= 4096, c <= 2048, Int64(h) * Int64(wd) * Int64(c) <= 1 << 24,
                  let type = ElementType(rawValue: UInt32(littleEndian: words[w + 3])) else { throw .malformedTensor }
            let zp = Int32(bitPattern: UInt32(littleEndian: words[w + 4]))
            guard zp >= -128, zp <= 255 else { throw .malformedTensor }
            tensors.append(MicroTensor(height: h, width: wd, channels: c, type: type, zeroPoint: zp,
                                       scaleBits: UInt32(littleEndian: words[w + 5])))
        }
        guard tensors[input].type == .uint8, tensors[input].channels == 3,
              tensors[output].type == .uint8, tensors[output].channels == 1 else { throw .malformedTensor }

        guard opsByte % 4 == 0, opsByte / 4 >= BlobFormat.headerWords + tensorCount * BlobFormat.tensorWords,
              opCount >= 1, opCount < 4096 else { throw .malformedOp }
        var opWords: [Int] = []
        opWords.reserveCapacity(opCount)
        var at = opsByte / 4
        for _ in 0..<opCount {
            // Written as differences: at + n could overflow a 32-bit Int.
            guard at <= wordCount - 2 else { throw .malformedOp }
            let n = int(at + 1)
            guard n >= 2, n <= wordCount - at else { throw .malformedOp }
            opWords.append(at)
            at += n
        }
        self.base = base
        self.byteCount = total
        self.tensors = tensors
        self.opWords = opWords
        self.inputTensor = input
        self.outputTensor = output
        // Decoded and checked op by op: a blob with faults in several ops is refused with the
        // first faulty op's error, as when the words were read in place.
        records.reserveCapacity(opCount)
        decoded.reserveCapacity(opCount)
        for i in 0..<opCount {
            let record = try OpRecord.decode(words: base + 4 * opWords[i], wordCount: int(opWords[i] + 1))
            try validate(record)
            records.append(record)
            decoded.append(record.tensors)
        }
        try validateDataFlow()
        for record in records { boundedRequantization.append(accumulatorsBounded(record)) }
        if opCount >= 2, records[opCount - 1].code == .argMax, records[opCount - 2].code == .resizeBilinear {
            let resized = decoded[opCount - 2].output
            var readers = 0
            for i in 0..<opCount { for t in decoded[i].inputs where t == resized { readers += 1 } }
            fusedUpsampleArgMax = readers == 1
        }
    }

    /// The int8 logits the runtime keeps: the classifier's output before the final upsampling
    /// when that is fused with the argmax, else the argmax's input.
    public var logitsTensor: Int {
        let last = opWords.count - 1
        return fusedUpsampleArgMax ? decoded[last - 1].inputs[0] : decoded[last].inputs[0]
    }

    public func opCode(_ op: Int) -> OpCode { records[op].code }

    /// The tensors op `op` reads, and the one it writes.
    @inline(__always)
    public func tensorsOf(_ op: Int) -> (inputs: [Int], output: Int) { decoded[op] }

    /// A data array of `bytes` bytes at byte offset `offset`, inside the data section.
    func checkArray(_ offset: Int, bytes: Int, alignment: Int) throws(MicroError) {
        guard offset % alignment == 0, offset >= BlobFormat.headerWords * 4, bytes >= 0,
              offset <= byteCount, bytes <= byteCount - offset else { throw .malformedOp }
    }

    /// Element `i` of the int32 array at byte offset `offset` (checked by `checkArray`).
    @inline(__always)
    func int32(at offset: Int, _ i: Int) -> Int32 {
        Int32(bitPattern: UInt32(littleEndian: base.load(fromByteOffset: offset + 4 * i, as: UInt32.self)))
    }

    /// The checks of one decoded record against the tensor table and the data section.
    private func validate(_ record: OpRecord) throws(MicroError) {
        let (ins, out) = record.tensors
        guard !ins.isEmpty else { throw .malformedOp }
        for t in ins + [out] { guard t < tensors.count else { throw .malformedOp } }
        let o = tensors[out]
        let x = tensors[ins[0]]
        let int8In = ins.allSatisfy { tensors[$0].type == .int8 }
        switch record {
        case .conv(let r):
            let g = r.geometry
            let kh = g.kernelH, kw = g.kernelW, sh = g.strideH, sw = g.strideW
            let ph = g.padH, pw = g.padW, dh = g.dilationH, dw = g.dilationW
            guard int8In, o.type == .int8, kh >= 1, kw >= 1, kh <= 15, kw <= 15, sh >= 1, sw >= 1, sh <= 8, sw <= 8,
                  ph <= 64, pw <= 64, dh >= 1, dw >= 1, dh <= 64, dw <= 64 else { throw .malformedOp }
            let eh = (kh - 1) * dh + 1, ew = (kw - 1) * dw + 1
            guard x.height + 2 * ph >= eh, x.width + 2 * pw >= ew,
                  o.height == (x.height + 2 * ph - eh) / sh + 1, o.width == (x.width + 2 * pw - ew) / sw + 1 else { throw .shapeMismatch }
            let cout = o.channels
            if r.depthwise {
                guard x.channels == cout else { throw .shapeMismatch }
                try checkArray(r.weights, bytes: kh * kw * cout, alignment: 4)
            } else {
                try checkArray(r.weights, bytes: cout * denseRowBytes(kernelH: kh, kernelW: kw, inputChannels: x.channels), alignment: 4)
                try checkArray(r.foldedBias, bytes: 4 * cout, alignment: 4)
            }
            try checkArray(r.bias, bytes: 4 * cout, alignment: 4)
            try checkArray(r.mantissas, bytes: 4 * cout, alignment: 4)
            try checkArray(r.shifts, bytes: 4 * cout, alignment: 4)
            for c in 0..<cout {
                // Non-negative mantissas: `requantize` relies on it (no INT32_MIN * INT32_MIN).
                guard int32(at: r.mantissas, c) >= 0 else { throw .malformedOp }
                let s = int32(at: r.shifts, c)
                guard s >= -31, s <= 30 else { throw .malformedOp }
            }
            try checkActivationRange(r.activationMin, r.activationMax)
        case .add(let r):
            let y = tensors[ins[1]]
            guard int8In, o.type == .int8, x.height == y.height, x.width == y.width, x.channels == y.channels,
                  o.height == x.height, o.width == x.width, o.channels == x.channels else { throw .shapeMismatch }
            guard r.leftShift >= 0, r.leftShift <= 24 else { throw .malformedOp }
            for m in [r.input1Multiplier, r.input2Multiplier, r.outputMultiplier] {
                guard m.shift >= -31, m.shift <= 30, m.mantissa >= 0 else { throw .malformedOp }
            }
            try checkActivationRange(r.activationMin, r.activationMax)
        case .concat:
            var channels = 0
            for t in ins {
                let i = tensors[t]
                guard i.type == .int8, i.height == o.height, i.width == o.width, i.zeroPoint == o.zeroPoint,
                      i.scaleBits == o.scaleBits else { throw .shapeMismatch }
                channels += i.channels
            }
            guard o.type == .int8, channels == o.channels else { throw .shapeMismatch }
        case .averagePool(let r), .maxPool(let r):
            let g = r.geometry
            let kh = g.kernelH, kw = g.kernelW, sh = g.strideH, sw = g.strideW, ph = g.padH, pw = g.padW
            guard int8In, o.type == .int8, kh >= 1, kw >= 1, kh <= 64, kw <= 64, sh >= 1, sw >= 1, ph < kh, pw < kw,
                  x.height + 2 * ph >= kh, x.width + 2 * pw >= kw,
                  o.height == (x.height + 2 * ph - kh) / sh + 1, o.width == (x.width + 2 * pw - kw) / sw + 1,
                  o.channels == x.channels, o.zeroPoint == x.zeroPoint else { throw .shapeMismatch }
        case .globalAveragePool, .globalMaxPool:
            guard int8In, o.type == .int8, o.height == 1, o.width == 1, o.channels == x.channels,
                  o.zeroPoint == x.zeroPoint else { throw .shapeMismatch }
        case .resizeBilinear:
            guard int8In, o.type == .int8, o.channels == x.channels, o.zeroPoint == x.zeroPoint else { throw .shapeMismatch }
        case .argMax:
            guard int8In, o.type == .uint8, o.channels == 1, o.height == x.height, o.width == x.width,
                  x.channels <= 256 else { throw .shapeMismatch }
        case .inputLookup(let r):
            guard x.type == .uint8, o.type == .int8, o.height == x.height, o.width == x.width,
                  o.channels == x.channels else { throw .shapeMismatch }
            try checkArray(r.table, bytes: 256 * x.channels, alignment: 1)
        }
    }

    /// For a validated conv: clamp bounds -128 and 127, every shift in -22...-1 and, per
    /// output channel, the largest possible
    /// |accumulator| below 2^30. The dense kernel sums folded bias + w * x over raw inputs
    /// (|x| <= 128, padded taps hold the zero point); the depthwise kernel sums bias +
    /// w * (x - zp) over in-bounds taps.
    private func accumulatorsBounded(_ record: OpRecord) -> Bool {
        guard case .conv(let r) = record, r.activationMin == -128, r.activationMax == 127 else { return false }
        let cout = tensors[r.output].channels, zp = Int64(tensors[r.input].zeroPoint)
        let g = r.geometry
        let kernel = g.kernelH * g.kernelW
        let row = r.depthwise ? kernel : denseRowBytes(kernelH: g.kernelH, kernelW: g.kernelW,
                                                        inputChannels: tensors[r.input].channels)
        let weights = (base + r.weights).assumingMemoryBound(to: Int8.self)
        let biases = r.depthwise ? r.bias : r.foldedBias
        let largestInput: Int64 = r.depthwise ? max(128 + zp, 127 - zp) : 128
        for c in 0..<cout {
            // A left shift s (multiplier >= 1) folds into the depthwise kernel's widened weights
            // (|w| 2^(1+s) must fit a halfword); the dense kernel's weights stay int8.
            let shift = int32(at: r.shifts, c)
            guard shift >= -22, shift <= (r.depthwise ? 6 : 0) else { return false }
            var sum: Int64 = 0
            for k in 0..<row {
                let w = Int64(r.depthwise ? weights[k * cout + c] : weights[c * row + k])
                sum += w < 0 ? -w : w
            }
            let bias = Int64(int32(at: biases, c))
            guard (bias < 0 ? -bias : bias) + largestInput * sum < Int64(1) << (30 - max(Int(shift), 0)) else { return false }
        }
        return true
    }

    private func checkActivationRange(_ lo: Int32, _ hi: Int32) throws(MicroError) {
        guard lo >= -128, hi <= 127, lo <= hi else { throw .malformedOp }
    }

    /// Every tensor but the input is written by exactly one op before any op reads it; the
    /// output is written by the last op.
    private func validateDataFlow() throws(MicroError) {
        var written = [Bool](repeating: false, count: tensors.count)
        written[inputTensor] = true
        for op in 0..<opWords.count {
            let (ins, out) = tensorsOf(op)
            for t in ins { guard written[t] else { throw .malformedOp } }
            guard !written[out] else { throw .malformedOp }
            written[out] = true
        }
        guard tensorsOf(opWords.count - 1).output == outputTensor else { throw .malformedOp }
    }
}
