import Foundation
import Synchronization

/// A reference-counted, 64-byte aligned Float32 buffer.
///
/// Tensors share a storage when they are views (`reshaped`). Every live storage is
/// counted so tests can prove that training keeps memory flat (`TensorStorage.liveBytes`).
public final class TensorStorage: @unchecked Sendable {
    public let count: Int
    /// True for the shape-only stand-ins a graph trace flows through the model: they hold no
    /// elements, and reading one is a programming error that stops the program (an op that
    /// does not trace itself ran during a trace), never a read of foreign memory.
    public let isPlaceholder: Bool
    private let base: UnsafeMutablePointer<Float>

    public var pointer: UnsafeMutablePointer<Float> {
        precondition(!isPlaceholder, "an op read the elements of a traced placeholder tensor: only ops that report to GraphTrace may run while a graph is traced")
        return base
    }

    private static let live = Atomic<Int>(0)
    private static let liveObjects = Atomic<Int>(0)
    private static let peak = Atomic<Int>(0)

    /// Bytes held by all storages alive right now.
    public static var liveBytes: Int { live.load(ordering: .relaxed) }
    /// The most bytes alive at once since the last `resetPeak()`: what a calibration pass
    /// measures to estimate the memory of a larger one (`MemoryEstimate`).
    public static var peakBytes: Int { peak.load(ordering: .relaxed) }
    /// Starts a new peak measurement at the current live bytes.
    public static func resetPeak() { peak.store(live.load(ordering: .relaxed), ordering: .relaxed) }
    /// Number of storages alive right now.
    public static var liveCount: Int { liveObjects.load(ordering: .relaxed) }

    /// Keeps freed tensor memory in the allocator instead of returning it to the kernel:
    /// glibc serves large blocks with fresh mmap()s by default, and every training step
    /// then pays page faults to zero them again (measured: 12 % of a training run's time
    /// in the kernel's clear_page). Reusing the heap removes that.
    private static let allocatorTuned: Bool = {
        #if os(Linux)
        _ = glibcMallopt(-3, 1 << 30)   // M_MMAP_THRESHOLD (malloc.h)
        _ = glibcMallopt(-1, 1 << 30)   // M_TRIM_THRESHOLD
        #endif
        return true
    }()

    /// Allocates `count` floats, zero-filled when `zeroed` is true.
    public init(count: Int, zeroed: Bool = true) {
        precondition(count >= 0, "negative storage size \(count)")
        _ = Self.allocatorTuned
        self.count = count
        isPlaceholder = false
        var raw: UnsafeMutableRawPointer? = nil
        let bytes = max(count, 1) * MemoryLayout<Float>.stride
        let rc = posix_memalign(&raw, 64, bytes)
        // Sizes from outside (images, checkpoints, input sizes) are checked before they get
        // here (MemoryEstimate, the codecs' pixel limit, the safetensors byte ranges); what
        // still fails is the machine running out under us, which no caller can repair.
        precondition(rc == 0 && raw != nil, "out of memory: cannot allocate \(SystemMemory.format(bytes)) for a tensor of \(count) floats")
        base = raw!.bindMemory(to: Float.self, capacity: max(count, 1))
        if zeroed { base.initialize(repeating: 0, count: max(count, 1)) }
        let now = Self.live.add(bytes, ordering: .relaxed).newValue
        Self.peak.max(now, ordering: .relaxed)
        Self.liveObjects.add(1, ordering: .relaxed)
    }

    /// A placeholder for `count` elements: no memory beyond this object.
    init(placeholderFor count: Int) {
        precondition(count >= 0, "negative storage size \(count)")
        self.count = count
        isPlaceholder = true
        base = Self.nowhere
    }

    /// The one address every placeholder carries (never read: `pointer` refuses placeholders).
    nonisolated(unsafe) private static let nowhere = UnsafeMutablePointer<Float>.allocate(capacity: 1)

    deinit {
        if isPlaceholder { return }
        Self.live.subtract(max(count, 1) * MemoryLayout<Float>.stride, ordering: .relaxed)
        Self.liveObjects.subtract(1, ordering: .relaxed)
        free(base)
    }

    public var buffer: UnsafeMutableBufferPointer<Float> {
        UnsafeMutableBufferPointer(start: pointer, count: count)
    }
}

#if os(Linux)
/// glibc's mallopt(3); malloc.h is not part of the Glibc module.
@_silgen_name("mallopt")
private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
#endif
