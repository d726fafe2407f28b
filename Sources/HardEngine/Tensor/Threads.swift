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
        _ = OneDNN.isAvailable   // loads libdnnl and with it the OpenMP runtime
        // omp_set_num_threads from the OpenMP runtime oneDNN was built with (libgomp on
        // Debian), looked up at run time so that a oneDNN built with another threading
        // runtime still links.
        if let program = dlopen(nil, RTLD_NOW), let symbol = dlsym(program, "omp_set_num_threads") {
            typealias SetThreads = @convention(c) (Int32) -> Void
            unsafeBitCast(symbol, to: SetThreads.self)(Int32(n))
        }
    }
}
