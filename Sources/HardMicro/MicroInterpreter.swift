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

    /// The array at byte offset `offset` of the blob (validated by `MicroModel`).
    @inline(__always)
    private func data<T>(_ offset: Int, _: T.Type) -> UnsafePointer<T> {
        (model.base + offset).assumingMemoryBound(to: T.self)
    }

    @inline(__always)
    private func run(_ op: Int, _ input: UnsafePointer<UInt8>, _ output: UnsafeMutablePointer<UInt8>) {
        let (ins, out) = model.tensorsOf(op)
        let x = int8(ins[0], input, output), y = int8(out, input, output)
        let xs = shape(ins[0]), ys = shape(out)
        let zpIn = model.tensors[ins[0]].zeroPoint
        let scratch = arena + plan.scratchOffset
        switch model.records[op] {
        case .conv(let r):
            let mantissas = data(r.mantissas, Int32.self), shifts = data(r.shifts, Int32.self)
            let zpOut = model.tensors[out].zeroPoint
            /// The convolution with requantizer `rq`; its scratch starts at byte `skip`.
            @inline(__always)
            func convolve<R: ChannelRequantizer>(_ rq: R, scratchFrom skip: Int) {
                if r.depthwise {
                    convolveDepthwise(input: x, xs, inputZeroPoint: zpIn, output: y, ys, geometry: r.geometry,
                                      weights: data(r.weights, Int8.self), bias: data(r.bias, Int32.self), requantizer: rq,
                                      scratch: (scratch + skip).assumingMemoryBound(to: UInt32.self))
                } else {
                    convolveDense(input: x, xs, inputZeroPoint: zpIn, output: y, ys, geometry: r.geometry,
                                  weights: data(r.weights, Int8.self), foldedBias: data(r.foldedBias, Int32.self), requantizer: rq,
                                  scratch: (scratch + skip).assumingMemoryBound(to: Int8.self))
                }
            }
            if model.boundedRequantization[op] {
                let table = scratch.assumingMemoryBound(to: Int32.self)
                let (masked, leftShifted) = BoundedRequantizer.prepare(mantissas: mantissas, shifts: shifts, outputZeroPoint: zpOut,
                                                                       channels: ys.channels, into: table)
                convolve(BoundedRequantizer(table: table, masked: masked, leftShifts: leftShifted ? shifts : nil),
                         scratchFrom: requantizationTableBytes(model, op))
            } else {
                convolve(ExactRequantizer(mantissas: mantissas, shifts: shifts, outputZeroPoint: zpOut,
                                          activationMin: r.activationMin, activationMax: r.activationMax), scratchFrom: 0)
            }
        case .add(let r):
            let p = AddParameters(leftShift: r.leftShift, input1: r.input1Multiplier, input1ZeroPoint: zpIn,
                                  input2: r.input2Multiplier, input2ZeroPoint: model.tensors[ins[1]].zeroPoint,
                                  output: r.outputMultiplier, outputZeroPoint: model.tensors[out].zeroPoint,
                                  activationMin: r.activationMin, activationMax: r.activationMax)
            addInt8(x, int8(ins[1], input, output), y, count: ys.count, p, scratch: scratch.assumingMemoryBound(to: Int32.self))
        case .concat:
            var offset = 0
            for t in ins {
                let c = model.tensors[t].channels
                concatenateSlice(int8(t, input, output), partChannels: c, into: y, totalChannels: ys.channels,
                                 offset: offset, pixels: ys.height * ys.width)
                offset += c
            }
        case .averagePool(let r):
            poolInt8(x, xs, y, ys, geometry: r.geometry, zeroPoint: zpIn, maximum: false)
        case .maxPool(let r):
            poolInt8(x, xs, y, ys, geometry: r.geometry, zeroPoint: zpIn, maximum: true)
        case .globalAveragePool:
            globalPoolInt8(x, xs, y, maximum: false)
        case .globalMaxPool:
            globalPoolInt8(x, xs, y, maximum: true)
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
        case .inputLookup(let r):
            lookupInput(UnsafeRawPointer(x).assumingMemoryBound(to: UInt8.self), y, pixels: xs.height * xs.width,
                        channels: xs.channels, table: data(r.table, Int8.self))
        }
    }
}
