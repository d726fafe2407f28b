// The C wall of the engine: every oneDNN call of the project lives in this folder, and
// every oneDNN status code becomes a Swift `DNNLError` in `check` below. Written against
// the oneDNN 2.x C API (Debian 12 ships 2.6); a port to 3.x stays inside this folder.
import CDNNL
import Foundation

/// A oneDNN call that did not return `dnnl_success`.
public struct DNNLError: Error, CustomStringConvertible {
    public let call: String
    public let status: String

    public var description: String { "oneDNN \(call) failed: \(status)" }
}

@inline(__always)
func check(_ status: dnnl_status_t, _ call: @autoclosure () -> String) throws {
    guard status != dnnl_success else { return }
    let name: String
    switch status {
    case dnnl_out_of_memory: name = "out of memory"
    case dnnl_invalid_arguments: name = "invalid arguments"
    case dnnl_unimplemented: name = "unimplemented for this configuration"
    case dnnl_iterator_ends: name = "iterator ends"
    case dnnl_runtime_error: name = "runtime error"
    case dnnl_not_required: name = "not required"
    default: name = "status \(status.rawValue)"
    }
    throw DNNLError(call: call(), status: name)
}

/// Facts about the oneDNN library the engine runs on.
public enum OneDNN {
    /// The CPU engine and the in-order stream all primitives execute on.
    final class Context: @unchecked Sendable {
        let engine: dnnl_engine_t
        let stream: dnnl_stream_t

        init() throws {
            var e: dnnl_engine_t?
            try check(dnnl_engine_create(&e, dnnl_cpu, 0), "dnnl_engine_create")
            var s: dnnl_stream_t?
            try check(dnnl_stream_create(&s, e, UInt32(dnnl_stream_default_flags.rawValue)), "dnnl_stream_create")
            engine = e!
            stream = s!
        }
    }

    nonisolated(unsafe) static let contextResult: Result<Context, Error> = Result { try Context() }

    static var context: Context {
        switch contextResult {
        case .success(let c): return c
        case .failure(let e): fatalError("oneDNN is not usable here: \(e)")
        }
    }

    /// True when a oneDNN CPU engine could be created.
    public static var isAvailable: Bool {
        if case .success = contextResult { return true }
        return false
    }

    /// "major.minor.patch (hash)" of the loaded library.
    public static var version: String {
        guard let v = dnnl_version()?.pointee else { return "unknown" }
        let hash = v.hash.map { String(cString: $0) } ?? ""
        return "\(v.major).\(v.minor).\(v.patch)" + (hash.isEmpty ? "" : " (\(hash))")
    }

    /// The instruction set oneDNN's JIT dispatches to on this CPU.
    public static var isa: String {
        switch dnnl_get_effective_cpu_isa() {
        case dnnl_cpu_isa_sse41: return "sse41"
        case dnnl_cpu_isa_avx: return "avx"
        case dnnl_cpu_isa_avx2: return "avx2"
        case dnnl_cpu_isa_avx2_vnni: return "avx2_vnni"
        case dnnl_cpu_isa_avx512_mic: return "avx512_mic"
        case dnnl_cpu_isa_avx512_mic_4ops: return "avx512_mic_4ops"
        case dnnl_cpu_isa_avx512_core: return "avx512_core"
        case dnnl_cpu_isa_avx512_core_vnni: return "avx512_core_vnni"
        case dnnl_cpu_isa_avx512_core_bf16: return "avx512_core_bf16"
        case dnnl_cpu_isa_avx512_core_amx: return "avx512_core_amx"
        default: return "unknown"
        }
    }

    /// Implementation names oneDNN picked, by primitive key (e.g. "jit_dw:avx512_core").
    public internal(set) static var implementations: [String: String] = [:]
}

// MARK: - Memory descriptors

typealias MemoryDesc = dnnl_memory_desc_t

/// A float32 memory descriptor for `dims` in the given format tag (`dnnl_format_tag_any`
/// lets the primitive choose its layout).
func memoryDesc(_ dims: [Int], _ tag: dnnl_format_tag_t) throws -> MemoryDesc {
    var md = dnnl_memory_desc_t()
    let d = dims.map { Int64($0) }
    try check(dnnl_memory_desc_init_by_tag(&md, Int32(d.count), d, dnnl_f32, tag), "memory_desc_init_by_tag \(dims)")
    return md
}

/// The plain row-major descriptor for a tensor of `dims` (rank 1...6).
func plainDesc(_ dims: [Int]) throws -> MemoryDesc {
    let tags: [dnnl_format_tag_t] = [dnnl_a, dnnl_ab, dnnl_abc, dnnl_abcd, dnnl_abcde, dnnl_abcdef]
    precondition(dims.count >= 1 && dims.count <= tags.count, "rank \(dims.count) unsupported")
    return try memoryDesc(dims, tags[dims.count - 1])
}

func sameDesc(_ a: MemoryDesc, _ b: MemoryDesc) -> Bool {
    var a = a, b = b
    return dnnl_memory_desc_equal(&a, &b) != 0
}

func byteSize(_ md: MemoryDesc) -> Int {
    var md = md
    return Int(dnnl_memory_desc_get_size(&md))
}

/// A heap buffer for blocked layouts and workspaces (freed with its owner).
final class RawBuffer {
    let pointer: UnsafeMutableRawPointer
    let size: Int
    /// Set for a view into another buffer (kept alive here; nothing of its own to free).
    let owner: RawBuffer?

    init(size: Int) {
        var raw: UnsafeMutableRawPointer? = nil
        let rc = posix_memalign(&raw, 64, max(size, 64))
        precondition(rc == 0 && raw != nil, "out of memory allocating \(size) bytes")
        pointer = raw!
        self.size = size
        owner = nil
    }

    /// `size` bytes of `owner` from byte `offset`.
    init(viewOf owner: RawBuffer, offset: Int, size: Int) {
        precondition(offset >= 0 && size >= 0 && offset + size <= owner.size, "view outside its buffer")
        pointer = owner.pointer + offset
        self.size = size
        self.owner = owner
    }

    deinit { if owner == nil { free(pointer) } }
}

/// A oneDNN memory object over caller-owned data.
final class Memory {
    let handle: dnnl_memory_t

    init(_ md: MemoryDesc, _ data: UnsafeMutableRawPointer?) throws {
        var md = md
        var m: dnnl_memory_t?
        try check(dnnl_memory_create(&m, &md, OneDNN.context.engine, data), "memory_create")
        handle = m!
    }

    deinit { dnnl_memory_destroy(handle) }
}

// MARK: - Primitives

/// A primitive descriptor and its primitive, built once per configuration and cached.
final class Primitive {
    let pd: dnnl_primitive_desc_t
    let primitive: dnnl_primitive_t
    let name: String

    /// Creates the primitive for an op descriptor (`convolution_desc`, `pooling_v2_desc`...).
    convenience init<D>(_ name: String, desc: inout D, attr: dnnl_primitive_attr_t? = nil, hint: Primitive? = nil) throws {
        var pd: dnnl_primitive_desc_t?
        try withUnsafePointer(to: &desc) { descPointer in
            try check(dnnl_primitive_desc_create(&pd, UnsafeRawPointer(descPointer), attr, OneDNN.context.engine, hint?.pd),
                      "primitive_desc_create(\(name))")
        }
        try self.init(name, pd: pd!)
    }

    /// Takes ownership of an already created primitive descriptor.
    init(_ name: String, pd: dnnl_primitive_desc_t) throws {
        self.pd = pd
        self.name = name
        var p: dnnl_primitive_t?
        let status = dnnl_primitive_create(&p, pd)
        if status != dnnl_success { dnnl_primitive_desc_destroy(pd) }
        try check(status, "primitive_create(\(name))")
        primitive = p!
        OneDNN.implementations[name] = implementation
    }

    deinit {
        dnnl_primitive_destroy(primitive)
        dnnl_primitive_desc_destroy(pd)
    }

    /// The descriptor of execution argument `arg` (a zero descriptor if the primitive has none).
    func desc(arg: Int32) -> MemoryDesc {
        guard let md = dnnl_primitive_desc_query_md(pd, dnnl_query_exec_arg_md, arg) else { return MemoryDesc() }
        return md.pointee
    }

    /// The implementation oneDNN chose, e.g. "jit:avx512_core" or "ref:any".
    var implementation: String {
        var cstr: UnsafePointer<CChar>?
        guard dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &cstr) == dnnl_success, let cstr else { return "?" }
        return String(cString: cstr)
    }

    /// Executes with the given argument bindings and waits for completion.
    func execute(_ args: [(Int32, Memory)]) throws {
        let execArgs = args.map { dnnl_exec_arg_t(arg: $0.0, memory: $0.1.handle) }
        try check(dnnl_primitive_execute(primitive, OneDNN.context.stream, Int32(execArgs.count), execArgs), "execute(\(name))")
        try check(dnnl_stream_wait(OneDNN.context.stream), "stream_wait(\(name))")
        withExtendedLifetime(args) {}
    }
}

/// A reorder between two layouts of the same logical tensor.
func makeReorder(from src: MemoryDesc, to dst: MemoryDesc) throws -> Primitive {
    var pd: dnnl_primitive_desc_t?
    var s = src, d = dst
    let engine = OneDNN.context.engine
    try check(dnnl_reorder_primitive_desc_create(&pd, &s, engine, &d, engine, nil), "reorder_primitive_desc_create")
    return try Primitive("reorder", pd: pd!)
}

// MARK: - Layout bridging

/// One argument of a primitive bound to caller memory in the plain layout: when the
/// primitive prefers another layout (blocked formats from `format_tag_any`), the data is
/// reordered into a temporary buffer before (inputs) or out of it after (outputs) the call.
struct BridgedArg {
    let arg: Int32
    let user: MemoryDesc
    let inner: MemoryDesc
    let isOutput: Bool
    let reorder: Primitive?

    init(arg: Int32, user: MemoryDesc, primitive: Primitive, isOutput: Bool) throws {
        self.arg = arg
        self.user = user
        self.isOutput = isOutput
        let inner = primitive.desc(arg: arg)
        self.inner = inner
        if sameDesc(user, inner) {
            reorder = nil
        } else {
            reorder = isOutput ? try makeReorder(from: inner, to: user) : try makeReorder(from: user, to: inner)
        }
    }
}

/// A primitive with its arguments bridged to plain-layout caller memory; cached per
/// configuration so that descriptors and reorders are built once.
final class BridgedPrimitive {
    let primitive: Primitive
    let args: [BridgedArg]

    init(_ primitive: Primitive, args: [(arg: Int32, user: MemoryDesc, isOutput: Bool)]) throws {
        self.primitive = primitive
        self.args = try args.map { try BridgedArg(arg: $0.arg, user: $0.user, primitive: primitive, isOutput: $0.isOutput) }
    }

    /// Runs the primitive: `data[arg]` is the caller's plain buffer for each bridged arg;
    /// `extra` binds arguments that need no bridging (workspace, statistics).
    func run(_ data: [Int32: UnsafeMutableRawPointer], extra: [(Int32, Memory)] = []) throws {
        var bindings: [(Int32, Memory)] = extra
        var temporaries: [RawBuffer] = []
        var writeBacks: [(Primitive, Memory, Memory)] = []
        for a in args {
            guard let pointer = data[a.arg] else { preconditionFailure("\(primitive.name): no buffer for argument \(a.arg)") }
            let userMemory = try Memory(a.user, pointer)
            guard let reorder = a.reorder else {
                bindings.append((a.arg, userMemory))
                continue
            }
            let buffer = RawBuffer(size: byteSize(a.inner))
            temporaries.append(buffer)
            let innerMemory = try Memory(a.inner, buffer.pointer)
            if a.isOutput {
                writeBacks.append((reorder, innerMemory, userMemory))
            } else {
                try reorder.execute([(DNNL_ARG_FROM, userMemory), (DNNL_ARG_TO, innerMemory)])
            }
            bindings.append((a.arg, innerMemory))
        }
        try primitive.execute(bindings)
        for (reorder, inner, user) in writeBacks {
            try reorder.execute([(DNNL_ARG_FROM, inner), (DNNL_ARG_TO, user)])
        }
        withExtendedLifetime(temporaries) {}
    }
}

/// Primitives cached by a key that spells out op, shapes and parameters.
enum PrimitiveCache {
    nonisolated(unsafe) static var entries: [String: AnyObject] = [:]

    static func get<T: AnyObject>(_ key: String, _ make: () throws -> T) throws -> T {
        if let hit = entries[key] as? T { return hit }
        let made = try make()
        entries[key] = made
        return made
    }
}

/// Passes a pointer to `value`, or nil, to a C call with an optional descriptor argument.
func withOptionalPointer<T, R>(_ value: T?, _ body: (UnsafePointer<T>?) throws -> R) rethrows -> R {
    guard var v = value else { return try body(nil) }
    return try withUnsafePointer(to: &v) { try body($0) }
}

extension UnsafeMutablePointer where Pointee == Float {
    var raw: UnsafeMutableRawPointer { UnsafeMutableRawPointer(self) }
}
