// Full reductions to a scalar: sum and mean of all elements.

/// Sum of all elements (any shape) -> scalar.
public func sum(_ x: Tensor) -> Tensor { reduce(x, mean: false) }

/// Mean of all elements (any shape) -> scalar.
public func mean(_ x: Tensor) -> Tensor { reduce(x, mean: true) }

func reduce(_ x: Tensor, mean: Bool) -> Tensor {
    precondition(x.count > 0, "\(mean ? "mean" : "sum") of an empty tensor \(x.shape)")
    let name = mean ? "mean" : "sum"
    let value: Float = Backend.dispatch(name, onednn: {
        try DNNLReduction.reduce(x, mean: mean)
    }, reference: {
        var acc: Double = 0
        for i in 0..<x.count { acc += Double(x.pointer[i]) }
        return Float(mean ? acc / Double(x.count) : acc)
    })
    let scale: Float = mean ? 1 / Float(x.count) : 1
    OpTrace.record(name, macs: x.count, output: x)
    // The backward is a broadcast fill: no kernel library call is worth making for it.
    return Tensor(scalar: value).recorded(name, inputs: [x]) { dy in
        [Tensor.full(x.shape, dy.scalar * scale)]
    }
}
