import Foundation

/// Runs `body(i)` for i in 0..<count on up to `EngineThreads.current` threads (work items
/// should be coarse: a channel plane, not a pixel), dealt into contiguous chunks.
///
/// The threads are OpenMP's, the same pool oneDNN runs on (libgomp's `GOMP_parallel`, found
/// at run time). With a second pool (Dispatch) the two fought over the cores: OpenMP's
/// workers spin-wait after each oneDNN call and took a quarter of the CPU time while our
/// kernels ran. Falls back to Dispatch when no OpenMP runtime is loaded.
@inline(__always)
func parallelFor(_ count: Int, _ body: (Int) -> Void) {
    let threads = min(EngineThreads.current, count)
    if threads <= 1 { for i in 0..<count { body(i) }; return }
    withoutActuallyEscaping(body) { body in
        var job = ParallelJob(count: count, threads: threads, body: body)
        if let omp = OpenMP.runtime {
            withUnsafeMutablePointer(to: &job) { p in
                omp.parallel({ raw in
                    let job = raw!.assumingMemoryBound(to: ParallelJob.self)
                    job.pointee.run(chunk: Int(OpenMP.runtime!.threadNumber()), of: Int(OpenMP.runtime!.teamSize()))
                }, UnsafeMutableRawPointer(p), UInt32(threads), 0)
            }
        } else {
            DispatchQueue.concurrentPerform(iterations: threads) { t in job.run(chunk: t, of: threads) }
        }
    }
}

struct ParallelJob {
    let count: Int
    let threads: Int
    let body: (Int) -> Void

    func run(chunk t: Int, of n: Int) {
        let lo = count * t / n, hi = count * (t + 1) / n
        for i in lo..<hi { body(i) }
    }
}


