import HardMicro

/// Bytes to the int8 blob validator, `MicroModel(blob:)`, twice: as given (magic, version,
/// size and CRC checks), and with the size and CRC-32 header words rewritten to match, so
/// that mutations reach the tensor, op and data-flow checks behind the CRC. A blob the
/// validator accepts is then planned and run once when small enough: the validator's promise
/// is that the kernels can trust every size, offset and shape it passed.
public func fuzzBlob(_ bytes: UnsafeRawBufferPointer) {
    validateAndRun(bytes, repairHeader: false)
    if bytes.count >= BlobFormat.headerWords * 4 { validateAndRun(bytes, repairHeader: true) }
}

/// Work (multiply-adds or element visits) above which an accepted blob is validated but not
/// run: a hostile blob may describe a valid but huge network, and a fuzz input must finish
/// within libFuzzer's timeout.
let maxRunWork = 1 << 23
/// Arena bytes above which an accepted blob is not run.
let maxRunArenaBytes = 1 << 26

private func validateAndRun(_ bytes: UnsafeRawBufferPointer, repairHeader: Bool) {
    // The runtime reads the blob in place and needs 4-byte alignment (flash is aligned); an
    // exact-size copy also lets AddressSanitizer see any read past the blob's end.
    let count = repairHeader ? bytes.count & ~3 : bytes.count
    let blob = UnsafeMutableRawBufferPointer.allocate(byteCount: max(count, 1), alignment: 16)
    defer { blob.deallocate() }
    if count > 0 { blob.baseAddress!.copyMemory(from: bytes.baseAddress!, byteCount: count) }
    if repairHeader {
        blob.storeBytes(of: UInt32(count).littleEndian, toByteOffset: 8, as: UInt32.self)
        let crc = crc32(UnsafeRawBufferPointer(rebasing: blob[BlobFormat.checksummedFrom..<count]))
        blob.storeBytes(of: crc.littleEndian, toByteOffset: 12, as: UInt32.self)
    }
    guard let model = try? MicroModel(blob: UnsafeRawBufferPointer(rebasing: blob[0..<count])) else { return }
    let plan = planArena(model)
    guard plan.totalBytes <= maxRunArenaBytes, estimatedWork(model) <= maxRunWork else { return }
    let arena = UnsafeMutableRawBufferPointer.allocate(byteCount: max(plan.totalBytes, 1), alignment: 16)
    defer { arena.deallocate() }
    guard let interpreter = try? MicroInterpreter(model: model, arena: arena) else {
        invariant(false, "the arena sized by planArena is refused by the interpreter")
        return
    }
    let inputCount = model.tensors[model.inputTensor].elementCount
    let outputCount = model.tensors[model.outputTensor].elementCount
    let input = UnsafeMutablePointer<UInt8>.allocate(capacity: inputCount)
    let output = UnsafeMutablePointer<UInt8>.allocate(capacity: outputCount)
    defer { input.deallocate(); output.deallocate() }
    for i in 0..<inputCount { input[i] = UInt8(truncatingIfNeeded: i &* 37 &+ 11) }
    output.initialize(repeating: 0, count: outputCount)
    interpreter.invoke(input: input, output: output)
}

/// An upper bound of the kernels' inner-loop iterations for a validated model, stopping as
/// soon as it passes `maxRunWork`.
func estimatedWork(_ model: MicroModel) -> Int {
    var work = 0
    for op in 0..<model.opWords.count {
        let (ins, out) = model.tensorsOf(op)
        let outputs = model.tensors[out].elementCount
        let inputs = ins.reduce(0) { $0 + model.tensors[$1].elementCount }
        switch model.records[op] {
        case .conv(let r):
            let taps = r.geometry.kernelH * r.geometry.kernelW
            let channels = r.depthwise ? 1 : model.tensors[ins[0]].channels
            work += outputs * taps * channels + inputs
        case .averagePool(let r), .maxPool(let r):
            work += outputs * r.geometry.kernelH * r.geometry.kernelW + inputs
        case .resizeBilinear:
            work += 4 * outputs + inputs
        default:
            work += outputs + inputs
        }
        if work > maxRunWork { return work }
    }
    return work
}
