import Foundation

/// How many threads the fast kernels use (oneDNN's OpenMP pool and the engine's own
/// kernels). Defaults to `OMP_NUM_THREADS` when it is set to a count (as PyTorch and oneDNN
/// read it), else all cores.
public enum EngineThreads {
    nonisolated(unsafe) static var count: Int = {
        if let text = ProcessInfo.processInfo.environment["OMP_NUM_THREADS"], let n = Int(text), (1...1024).contains(n) { return n }
        return ProcessInfo.processInfo.activeProcessorCount
    }()

    public static var current: Int { count }

    /// Sets the thread count for both oneDNN (omp_set_num_threads) and the engine's kernels.
    public static func set(_ n: Int) {
        precondition(n >= 1, "thread count \(n)")
        count = n
        OpenMP.setThreads?(Int32(n))
    }
}
