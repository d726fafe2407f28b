// ReLU and ReLU6 (= hardtanh(0, 6)), forward and backward, reference and oneDNN.
// Backward follows PyTorch: relu passes dy where x > 0; relu6 where 0 < x < 6.

/// An element-wise activation and how to differentiate it.
enum Activation: String, Sendable {
    case relu
    case relu6

    func apply(_ v: Float) -> Float {
        switch self {
        case .relu: return max(v, 0)
        case .relu6: return min(max(v, 0), 6)
        }
    }

    /// d(activation)/dx at x.
    func slope(_ v: Float) -> Float {
        switch self {
        case .relu: return v > 0 ? 1 : 0
        case .relu6: return v > 0 && v < 6 ? 1 : 0
        }
    }
}

/// max(x, 0), element-wise. Any shape.
public func relu(_ x: Tensor) -> Tensor { activation(x, .relu) }

/// min(max(x, 0), 6), element-wise. Any shape.
public func relu6(_ x: Tensor) -> Tensor { activation(x, .relu6) }

func activation(_ x: Tensor, _ kind: Activation) -> Tensor {
    if let y = GraphTrace.intercept(.activation(kind == .relu ? .relu : .relu6), [x], shape: x.shape) { return y }
    let y = Tensor.uninitialized(x.shape)
    Backend.dispatch(kind.rawValue, onednn: {
        try DNNLEltwise.forward(kind.eltwise, x: x, y: y)
    }, reference: {
        for i in 0..<x.count { y.pointer[i] = kind.apply(x.pointer[i]) }
    })
    OpTrace.record(kind.rawValue, macs: 0, output: y)
    return y.recorded(kind.rawValue, inputs: [x]) { dy in
        let dx = Tensor.uninitialized(x.shape)
        Backend.dispatch(kind.rawValue + ".backward", onednn: {
            try DNNLEltwise.backward(kind.eltwise, x: x, dy: dy, dx: dx)
        }, reference: {
            for i in 0..<x.count { dx.pointer[i] = dy.pointer[i] * kind.slope(x.pointer[i]) }
        })
        return [dx]
    }
}

/// a * x, element-wise. Any shape.
public func scaled(_ x: Tensor, by a: Float) -> Tensor {
    if let y = GraphTrace.intercept(.scale(a), [x], shape: x.shape) { return y }
    let y = Tensor.uninitialized(x.shape)
    let op = EltwiseOp.linear(scale: a)
    Backend.dispatch("scale", onednn: {
        try DNNLEltwise.forward(op, x: x, y: y)
    }, reference: {
        for i in 0..<x.count { y.pointer[i] = a * x.pointer[i] }
    })
    OpTrace.record("scale", macs: y.count, output: y)
    return y.recorded("scale", inputs: [x]) { dy in
        let dx = Tensor.uninitialized(x.shape)
        Backend.dispatch("scale.backward", onednn: {
            try DNNLEltwise.backward(op, x: x, dy: dy, dx: dx)
        }, reference: {
            for i in 0..<x.count { dx.pointer[i] = a * dy.pointer[i] }
        })
        return [dx]
    }
}

public func * (lhs: Float, rhs: Tensor) -> Tensor { scaled(rhs, by: lhs) }
public func * (lhs: Tensor, rhs: Float) -> Tensor { scaled(lhs, by: rhs) }

/// Element-wise ops that oneDNN's eltwise primitive covers.
enum EltwiseOp: Hashable {
    case relu
    case clip(low: Float, high: Float)
    case linear(scale: Float)
}

extension Activation {
    var eltwise: EltwiseOp {
        switch self {
        case .relu: return .relu
        case .relu6: return .clip(low: 0, high: 6)
        }
    }
}
