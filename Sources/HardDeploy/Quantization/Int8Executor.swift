import Foundation
import HardMicro

/// A refused blob or a failed host run of the int8 runtime, naming the blob.
public struct Int8RuntimeError: Error, CustomStringConvertible {
    public let source: String
    public let problem: String
    public var description: String { "\(source): \(problem)" }
}

/// The host int8 executor: HardMicro's runtime (the same code as in the firmware) over a
/// blob copied into aligned memory, with its arena.
public final class Int8Executor {
    private let blob: UnsafeMutableRawBufferPointer
    private let arena: UnsafeMutableRawBufferPointer
    public let model: MicroModel
    public let interpreter: MicroInterpreter

    /// `source` names the blob in errors (a file name, or "quantized model").
    public init(blob bytes: [UInt8], source: String) throws {
        let blob = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 4), alignment: 16)
        bytes.withUnsafeBytes { blob.copyMemory(from: $0) }
        self.blob = blob
        let view = UnsafeRawBufferPointer(rebasing: blob[0..<bytes.count])
        do {
            model = try MicroModel(blob: view)
        } catch {
            blob.deallocate()
            throw Int8RuntimeError(source: source, problem: "refused: \(error.name) (code \(error.rawValue))")
        }
        let plan = planArena(model)
        let arena = UnsafeMutableRawBufferPointer.allocate(byteCount: max(plan.totalBytes, 16), alignment: 16)
        self.arena = arena
        do {
            interpreter = try MicroInterpreter(model: model, arena: arena)
        } catch {
            blob.deallocate()
            arena.deallocate()
            throw Int8RuntimeError(source: source, problem: "\(error.name)")
        }
    }

    public convenience init(contentsOf path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Int8RuntimeError(source: path, problem: "cannot read the file")
        }
        try self.init(blob: [UInt8](data), source: path)
    }

    deinit {
        blob.deallocate()
        arena.deallocate()
    }

    public var inputShape: (height: Int, width: Int) {
        let t = model.tensors[model.inputTensor]
        return (t.height, t.width)
    }

    /// Class indices (H * W) for `rgb` (H * W * 3 bytes, the model's input size).
    public func classMap(rgb: [UInt8]) -> [UInt8] {
        let t = model.tensors[model.inputTensor]
        precondition(rgb.count == t.elementCount, "input has \(rgb.count) bytes, the model takes \(t.elementCount)")
        let out = model.tensors[model.outputTensor]
        var result = [UInt8](repeating: 0, count: out.elementCount)
        rgb.withUnsafeBufferPointer { x in
            result.withUnsafeMutableBufferPointer { y in interpreter.invoke(input: x.baseAddress!, output: y.baseAddress!) }
        }
        return result
    }

    /// The int8 values of tensor t after the last `classMap` (an arena tensor: e.g. the logits).
    public func values(of t: Int) -> [Int8] {
        guard let p = interpreter.tensorData(t) else { return [] }
        return Array(UnsafeBufferPointer(start: p.assumingMemoryBound(to: Int8.self), count: model.tensors[t].elementCount))
    }

    /// The int8 logits the runtime keeps (NHWC): before the final upsampling when that is fused
    /// with the argmax (see `MicroModel.fusedUpsampleArgMax`).
    public var logitsTensor: Int { model.logitsTensor }
}
