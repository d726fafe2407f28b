// Runs a validated model: one static arena (planned once), the ops in order, no allocation
// per inference. The same code runs on the host (the int8 executor `hard` compares against)
// and, compiled with Embedded Swift, in the Cortex-M7 firmware.

public struct MicroInterpreter {
    public let model: MicroModel
    public let plan: ArenaPlan
    public let arena: UnsafeMutableRawPointer

    /// `arena` must hold `planArena(model).totalBytes` bytes.
    public init(model: MicroModel, arena: UnsafeMutableRawBufferPointer) throws(MicroError) {
        let plan = planArena(model)
        guard let base = arena.baseAddress, arena.count >= plan.totalBytes else { throw .arenaTooSmall }
        self.model = model
        self.plan = plan
        self.arena = base
    }

    /// The bytes of tensor `t` in the arena (nil for the external input and output).
    public func tensorData(_ t: Int) -> UnsafeMutableRawPointer? {
        plan.offsets[t] < 0 ? nil : arena + plan.offsets[t]
    }

    /// input: H x W x 3 RGB bytes; output: H x W class indices.
    public func invoke(input: UnsafePointer<UInt8>, output: UnsafeMutablePointer<UInt8>) {
        for op in 0..<model.opWords.count { run(op, input, output) }
    }

    /// Runs op `op` alone (ops must run in order; profilers time them one by one).
    public func invoke(op: Int, input: UnsafePointer<UInt8>, output: UnsafeMutablePointer<UInt8>) {
        run(op, input, output)
    }

    @inline(__always)
    private func int8(_ t: Int, _ input: UnsafePointer<UInt8>, _ output: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<Int8> {
        if t == model.inputTensor { return UnsafeMutableRawPointer(mutating: input).assumingMemoryBound(to: Int8.self) }
        if t == model.outputTensor { return UnsafeMutableRawPointer(output).assumingMemoryBound(to: Int8.self) }
        // Offset -1: the resized logits of a fused upsample + argmax, never read or written.
        return (arena + max(plan.offsets[t], 0)).assumingMemoryBound(to: Int8.self)
    }

    private func shape(_ t: Int) -> Shape3 {
        let x = model.tensors[t]
        return Shape3(x.height, x.width, x.channels)
    }

    private func data<T>(_ op: Int, _ k: Int, _: T.Type) -> UnsafePointer<T> {
        (model.base + model.operand(op, k)).assumingMemoryBound(to: T.self)
    }

    private func signed(_ op: Int, _ k: Int) -> Int32 { model.signedOperand(op, k) }

    private func multiplier(_ op: Int, _ k: Int) -> QuantizedMultiplier {
        QuantizedMultiplier(mantissa: signed(op, k), shift: signed(op, k + 1))
    }

    @inline(__always)
    private func run(_ op: Int, _ input: UnsafePointer<UInt8>, _ output: UnsafeMutablePointer<UInt8>) {
        guard let code = model.opCode(op) else { return }   // validated: cannot happen
        let (ins, out) = model.tensorsOf(op)
        let x = int8(ins[0], input, output), y = int8(out, input, output)
        let xs = shape(ins[0]), ys = shape(out)
        let zpIn = model.tensors[ins[0]].zeroPoint
        let scratch = arena + plan.scratchOffset
        switch code {
        case .conv:
            let g = ConvGeometry(kernelH: model.operand(op, 2), kernelW: model.operand(op, 3),
                                 strideH: model.operand(op, 4), strideW: model.operand(op, 5),
                                 padH: model.operand(op, 6), padW: model.operand(op, 7),
                                 dilationH: model.operand(op, 8), dilationW: model.operand(op, 9))
            let mantissas = data(op, 16, Int32.self), shifts = data(op, 17, Int32.self)
            let zpOut = model.tensors[out].zeroPoint, lo = signed(op, 11), hi = signed(op, 12)
            /// The convolution with requantizer `rq`; its scratch starts at byte `skip`.
            @inline(__always)
            func convolve<R: ChannelRequantizer>(_ rq: R, scratchFrom skip: Int) {
                if model.operand(op, 10) == 1 {
                    convolveDepthwise(input: x, xs, inputZeroPoint: zpIn, output: y, ys, geometry: g,
                                      weights: data(op, 13, Int8.self), bias: data(op, 14, Int32.self), requantizer: rq)
                } else {
                    convolveDense(input: x, xs, inputZeroPoint: zpIn, output: y, ys, geometry: g,
                                  weights: data(op, 13, Int8.self), foldedBias: data(op, 15, Int32.self), requantizer: rq,
                                  scratch: (scratch + skip).assumingMemoryBound(to: Int8.self))
                }
            }
            if model.boundedRequantization[op] {
                let table = scratch.assumingMemoryBound(to: Int32.self)
                BoundedRequantizer.prepare(shifts: shifts, outputZeroPoint: zpOut, channels: ys.channels, into: table)
                convolve(BoundedRequantizer(mantissas: mantissas, table: table), scratchFrom: requantizationTableBytes(model, op))
            } else {
                convolve(ExactRequantizer(mantissas: mantissas, shifts: shifts, outputZeroPoint: zpOut,
                                          activationMin: lo, activationMax: hi), scratchFrom: 0)
            }
        case .add:
            let p = AddParameters(leftShift: signed(op, 3), input1: multiplier(op, 4), input1ZeroPoint: zpIn,
                                  input2: multiplier(op, 6), input2ZeroPoint: model.tensors[ins[1]].zeroPoint,
                                  output: multiplier(op, 8), outputZeroPoint: model.tensors[out].zeroPoint,
                                  activationMin: signed(op, 10), activationMax: signed(op, 11))
            addInt8(x, int8(ins[1], input, output), y, count: ys.count, p)
        case .concat:
            var offset = 0
            for t in ins {
                let c = model.tensors[t].channels
                concatenateSlice(int8(t, input, output), partChannels: c, into: y, totalChannels: ys.channels,
                                 offset: offset, pixels: ys.height * ys.width)
                offset += c
            }
        case .averagePool, .maxPool:
            let g = ConvGeometry(kernelH: model.operand(op, 2), kernelW: model.operand(op, 3),
                                 strideH: model.operand(op, 4), strideW: model.operand(op, 5),
                                 padH: model.operand(op, 6), padW: model.operand(op, 7))
            poolInt8(x, xs, y, ys, geometry: g, zeroPoint: zpIn, maximum: code == .maxPool)
        case .globalAveragePool, .globalMaxPool:
            globalPoolInt8(x, xs, y, zeroPoint: zpIn, maximum: code == .globalMaxPool)
        case .resizeBilinear:
            if model.fusedUpsampleArgMax && op == model.opWords.count - 2 {
                resizeBilinearArgMax(x, xs, output, ys, scratch: scratch.assumingMemoryBound(to: Int32.self))
            } else {
                resizeBilinearInt8(x, xs, y, ys)
            }
        case .argMax:
            if model.fusedUpsampleArgMax { return }   // done with the resize
            argMaxChannels(x, UnsafeMutableRawPointer(y).assumingMemoryBound(to: UInt8.self),
                           pixels: ys.height * ys.width, channels: xs.channels)
        case .inputLookup:
            lookupInput(UnsafeRawPointer(x).assumingMemoryBound(to: UInt8.self), y, pixels: xs.height * xs.width,
                        channels: xs.channels, table: data(op, 2, Int8.self))
        }
    }
}
