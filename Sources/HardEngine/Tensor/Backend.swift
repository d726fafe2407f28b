import Foundation

/// Which kernels run the ops.
///
/// - `reference`: plain Swift loops, written to be obviously correct; the oracle in tests.
/// - `onednn`: oneDNN primitives (the CPU library under PyTorch and ONNX Runtime).
///
/// Every op has both. If oneDNN cannot build a primitive for some configuration, the op
/// falls back to the reference kernel, counts it in `Backend.fallbacks` and warns once.
public enum Backend: String, CaseIterable, Sendable {
    case reference
    case onednn

    /// The backend ops use now. Defaults to oneDNN when its library loads.
    public static var current: Backend = OneDNN.isAvailable ? .onednn : .reference

    /// Runs `body` with `backend` as the current backend.
    public static func with<T>(_ backend: Backend, _ body: () throws -> T) rethrows -> T {
        let previous = current
        current = backend
        defer { current = previous }
        return try body()
    }

    /// How often each op fell back from oneDNN to the reference kernel, by op name.
    public internal(set) static var fallbacks: [String: Int] = [:]
    private static var warned = Set<String>()

    /// Runs the oneDNN kernel when it is the current backend, the reference otherwise;
    /// a oneDNN error makes this call (and only it) use the reference kernel.
    static func dispatch<T>(_ op: String, onednn: () throws -> T, reference: () -> T) -> T {
        guard current == .onednn else { return reference() }
        do {
            return try onednn()
        } catch {
            fallbacks[op, default: 0] += 1
            if !warned.contains(op) {
                warned.insert(op)
                FileHandle.standardError.write(Data("warning: \(op) on oneDNN failed (\(error)); using the reference kernel\n".utf8))
            }
            return reference()
        }
    }
}
