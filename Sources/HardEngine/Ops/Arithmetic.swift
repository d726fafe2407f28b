// Element-wise addition of two tensors of the same shape (residuals, feature fusion).

/// a + b, element-wise; shapes must match.
public func add(_ a: Tensor, _ b: Tensor) -> Tensor {
    precondition(a.shape == b.shape, "add: shapes \(a.shape) and \(b.shape) differ")
    if let y = GraphTrace.intercept(.add, [a, b], shape: a.shape) { return y }
    let y = Tensor.uninitialized(a.shape)
    Backend.dispatch("add", onednn: {
        try DNNLBinary.add(a, b, y: y)
    }, reference: {
        for i in 0..<a.count { y.pointer[i] = a.pointer[i] + b.pointer[i] }
    })
    OpTrace.record("add", macs: y.count, output: y)
    // d(a + b)/da = d(a + b)/db = identity: both inputs receive dy unchanged (shared,
    // never written in place).
    return y.recorded("add", inputs: [a, b]) { dy in [dy, dy] }
}

public func + (lhs: Tensor, rhs: Tensor) -> Tensor { add(lhs, rhs) }
