// The runtime as a C library (`hard mcu package`): the functions of hard_micro.h over
// HardMicro, compiled with Embedded Swift for armv7em (hard float) into libhard_micro.a.
// Every entry point validates its arguments and returns an error code; none traps on a
// damaged blob, a short or misaligned arena or a null pointer. The runtime's tables (a few
// kB: tensor records, the arena plan) come from the C heap through posix_memalign at
// hard_micro_init; activations and kernel scratch live in the caller's arena, and
// hard_micro_run allocates nothing.

/// Codes beyond MicroError's 1...11 (hard_micro.h names them all).
enum APIError: Int32 {
    case nullArgument = 12
    case arenaMisaligned = 13
}

/// What a handle points at.
final class HardMicroSession {
    let model: MicroModel
    let interpreter: MicroInterpreter

    init(model: MicroModel, interpreter: MicroInterpreter) {
        self.model = model
        self.interpreter = interpreter
    }
}

@inline(__always)
func session(_ handle: UnsafeMutableRawPointer?) -> HardMicroSession? {
    guard let handle else { return nil }
    return Unmanaged<HardMicroSession>.fromOpaque(handle).takeUnretainedValue()
}

@_cdecl("hard_micro_arena_bytes")
public func hardMicroArenaBytes(_ blob: UnsafeRawPointer?, _ blobBytes: Int, _ arenaBytes: UnsafeMutablePointer<Int>?) -> Int32 {
    guard let blob, let arenaBytes, blobBytes >= 0 else { return APIError.nullArgument.rawValue }
    do {
        let model = try MicroModel(blob: UnsafeRawBufferPointer(start: blob, count: blobBytes))
        arenaBytes.pointee = planArena(model).totalBytes
        return 0
    } catch {
        return Int32(error.rawValue)
    }
}

@_cdecl("hard_micro_init")
public func hardMicroInit(_ out: UnsafeMutablePointer<UnsafeMutableRawPointer?>?, _ blob: UnsafeRawPointer?, _ blobBytes: Int,
                          _ arena: UnsafeMutableRawPointer?, _ arenaBytes: Int) -> Int32 {
    guard let out else { return APIError.nullArgument.rawValue }
    out.pointee = nil
    guard let blob, let arena, blobBytes >= 0, arenaBytes >= 0 else { return APIError.nullArgument.rawValue }
    guard UInt(bitPattern: arena) & 15 == 0 else { return APIError.arenaMisaligned.rawValue }
    do {
        let model = try MicroModel(blob: UnsafeRawBufferPointer(start: blob, count: blobBytes))
        let interpreter = try MicroInterpreter(model: model, arena: UnsafeMutableRawBufferPointer(start: arena, count: arenaBytes))
        out.pointee = Unmanaged.passRetained(HardMicroSession(model: model, interpreter: interpreter)).toOpaque()
        return 0
    } catch {
        return Int32(error.rawValue)
    }
}

@_cdecl("hard_micro_run")
public func hardMicroRun(_ handle: UnsafeMutableRawPointer?, _ rgb: UnsafePointer<UInt8>?, _ classes: UnsafeMutablePointer<UInt8>?) -> Int32 {
    guard let s = session(handle), let rgb, let classes else { return APIError.nullArgument.rawValue }
    s.interpreter.invoke(input: rgb, output: classes)
    return 0
}

@_cdecl("hard_micro_shape")
public func hardMicroShape(_ handle: UnsafeMutableRawPointer?, _ height: UnsafeMutablePointer<Int32>?,
                           _ width: UnsafeMutablePointer<Int32>?, _ classes: UnsafeMutablePointer<Int32>?) -> Int32 {
    guard let s = session(handle) else { return APIError.nullArgument.rawValue }
    let input = s.model.tensors[s.model.inputTensor]
    height?.pointee = Int32(truncatingIfNeeded: input.height)
    width?.pointee = Int32(truncatingIfNeeded: input.width)
    classes?.pointee = Int32(truncatingIfNeeded: s.model.tensors[s.model.logitsTensor].channels)
    return 0
}

@_cdecl("hard_micro_logits")
public func hardMicroLogits(_ handle: UnsafeMutableRawPointer?, _ count: UnsafeMutablePointer<Int>?) -> UnsafeRawPointer? {
    guard let s = session(handle) else { return nil }
    let t = s.model.logitsTensor
    count?.pointee = s.model.tensors[t].elementCount
    return UnsafeRawPointer(s.interpreter.tensorData(t))
}

@_cdecl("hard_micro_free")
public func hardMicroFree(_ handle: UnsafeMutableRawPointer?) {
    guard let handle else { return }
    Unmanaged<HardMicroSession>.fromOpaque(handle).release()
}

@_cdecl("hard_micro_error_name")
public func hardMicroErrorName(_ code: Int32) -> UnsafePointer<CChar> {
    func c(_ s: StaticString) -> UnsafePointer<CChar> {
        UnsafeRawPointer(s.utf8Start).assumingMemoryBound(to: CChar.self)
    }
    if code == 0 { return c("ok") }
    if code == APIError.nullArgument.rawValue { return c("null argument") }
    if code == APIError.arenaMisaligned.rawValue { return c("arena not 16-byte aligned") }
    if code > 0, code < 256, let e = MicroError(rawValue: UInt8(code)) { return c(e.name) }
    return c("unknown error")
}
