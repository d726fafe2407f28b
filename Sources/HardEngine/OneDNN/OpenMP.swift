#if canImport(Glibc)
import Glibc
#endif

/// The OpenMP runtime oneDNN was built with (libgomp on Debian): the one place it is looked up.
/// Symbols are found at run time, after libdnnl is loaded, so that a oneDNN built with another
/// threading runtime still links; then the engine's own kernels run single-threaded pieces
/// through `Parallel` and `EngineThreads.set` changes only the engine's count.
struct OpenMP {
    typealias Parallel = @convention(c) (@convention(c) (UnsafeMutableRawPointer?) -> Void, UnsafeMutableRawPointer?, UInt32, UInt32) -> Void
    typealias IntQuery = @convention(c) () -> Int32
    typealias SetThreads = @convention(c) (Int32) -> Void

    /// GOMP_parallel, omp_get_thread_num, omp_get_num_threads: the engine's parallel loops.
    let parallel: Parallel
    let threadNumber: IntQuery
    let teamSize: IntQuery

    nonisolated(unsafe) static let runtime: OpenMP? = {
        guard let p = symbol("GOMP_parallel"), let t = symbol("omp_get_thread_num"), let n = symbol("omp_get_num_threads") else {
            return nil
        }
        return OpenMP(parallel: unsafeBitCast(p, to: Parallel.self), threadNumber: unsafeBitCast(t, to: IntQuery.self),
                      teamSize: unsafeBitCast(n, to: IntQuery.self))
    }()

    /// omp_set_num_threads: oneDNN's thread pool size.
    nonisolated(unsafe) static let setThreads: SetThreads? = symbol("omp_set_num_threads").map { unsafeBitCast($0, to: SetThreads.self) }

    private static func symbol(_ name: String) -> UnsafeMutableRawPointer? {
        _ = OneDNN.isAvailable   // loads libdnnl and with it the OpenMP runtime
        guard let program = dlopen(nil, RTLD_NOW) else { return nil }
        return dlsym(program, name)
    }
}
