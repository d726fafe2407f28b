import Foundation
import Synchronization

/// A reference-counted, 64-byte aligned Float32 buffer.
///
/// Tensors share a storage when they are views (`reshaped`). Every live storage is
/// counted so tests can prove that training keeps memory flat (`TensorStorage.liveBytes`).
public final class TensorStorage: @unchecked Sendable {
    public let count: Int
    public let pointer: UnsafeMutablePointer<Float>

    private static let live = Atomic<Int>(0)
    private static let liveObjects = Atomic<Int>(0)

    /// Bytes held by all storages alive right now.
    public static var liveBytes: Int { live.load(ordering: .relaxed) }
    /// Number of storages alive right now.
    public static var liveCount: Int { liveObjects.load(ordering: .relaxed) }

    /// Allocates `count` floats, zero-filled when `zeroed` is true.
    public init(count: Int, zeroed: Bool = true) {
        precondition(count >= 0, "negative storage size \(count)")
        self.count = count
        var raw: UnsafeMutableRawPointer? = nil
        let bytes = max(count, 1) * MemoryLayout<Float>.stride
        let rc = posix_memalign(&raw, 64, bytes)
        precondition(rc == 0 && raw != nil, "out of memory allocating \(bytes) bytes")
        pointer = raw!.bindMemory(to: Float.self, capacity: max(count, 1))
        if zeroed { pointer.initialize(repeating: 0, count: max(count, 1)) }
        Self.live.add(bytes, ordering: .relaxed)
        Self.liveObjects.add(1, ordering: .relaxed)
    }

    deinit {
        Self.live.subtract(max(count, 1) * MemoryLayout<Float>.stride, ordering: .relaxed)
        Self.liveObjects.subtract(1, ordering: .relaxed)
        free(pointer)
    }

    public var buffer: UnsafeMutableBufferPointer<Float> {
        UnsafeMutableBufferPointer(start: pointer, count: count)
    }
}
