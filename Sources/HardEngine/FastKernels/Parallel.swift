import Foundation

/// Runs `body(i)` for i in 0..<count on all cores (work items should be coarse: a channel
/// plane, not a pixel).
/// At most `EngineThreads.current` threads run at once: the items are dealt into that many
/// contiguous chunks.
@inline(__always)
func parallelFor(_ count: Int, _ body: (Int) -> Void) {
    let threads = min(EngineThreads.current, count)
    if threads <= 1 { for i in 0..<count { body(i) }; return }
    DispatchQueue.concurrentPerform(iterations: threads) { t in
        let lo = count * t / threads, hi = count * (t + 1) / threads
        for i in lo..<hi { body(i) }
    }
}
