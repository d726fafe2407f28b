import Foundation

/// Runs `body(i)` for i in 0..<count on all cores (work items should be coarse: a channel
/// plane, not a pixel).
@inline(__always)
func parallelFor(_ count: Int, _ body: (Int) -> Void) {
    if count == 1 { body(0); return }
    DispatchQueue.concurrentPerform(iterations: count, execute: body)
}
