import Foundation

// Thin named wrappers so files that only need a couple of libm functions stay clear of
// overload ambiguity between Foundation's Float and Double variants.
@inline(__always) func Foundation_log(_ x: Double) -> Double { Foundation.log(x) }
@inline(__always) func Foundation_cos(_ x: Double) -> Double { Foundation.cos(x) }
