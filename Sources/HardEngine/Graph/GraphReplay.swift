extension Graph {
    /// Every value of the graph for input x (1, C, H, W), computed node by node with the
    /// engine's ops on the current backend: the float reference the fast plan, the int8
    /// quantizer's calibration and its fake-quantized simulation are checked against.
    /// `transform` may replace a value as soon as it is computed (fake quantization);
    /// `weights` the parameters of convolution node k.
    public func run(_ x: Tensor, transform: (Int, Tensor) -> Tensor = { $1 },
                    weights: (Int, Tensor, Tensor?) -> (Tensor, Tensor?) = { ($1, $2) }) -> [Tensor?] {
        precondition(x.shape == shapes[input], "graph: the input is \(shapes[input]), got \(x.shape)")
        return withNoGrad {
            var values = [Tensor?](repeating: nil, count: shapes.count)
            values[input] = transform(input, x)
            for (k, node) in nodes.enumerated() {
                let ins = node.inputs.map { values[$0]! }
                let y: Tensor
                switch node.op {
                case .convolution(let c):
                    let (w, b) = weights(k, c.weight, c.bias)
                    let z = conv2d(ins[0], weight: w, bias: b, geometry: c.geometry, activation: c.activation)
                    y = c.addsResidual ? add(z, ins[1]) : z
                case .batchNorm(let bn):
                    y = batchNorm(ins[0], gamma: bn.gamma, beta: bn.beta, runningMean: bn.mean, runningVar: bn.variance,
                                  training: false, eps: bn.eps)
                case .activation(let kind):
                    switch kind {
                    case .none: y = ins[0]
                    case .relu: y = relu(ins[0])
                    case .relu6: y = relu6(ins[0])
                    }
                case .add: y = add(ins[0], ins[1])
                case .concat: y = concatChannels(ins)
                case .resize(let h, let w): y = resizeBilinear(ins[0], height: h, width: w)
                case .pool(let kind, let g): y = kind == .max ? maxPool2d(ins[0], g) : avgPool2d(ins[0], g)
                case .globalPool(let kind): y = kind == .max ? globalMaxPool(ins[0]) : globalAvgPool(ins[0])
                case .scale(let a): y = scaled(ins[0], by: a)
                case .slice(let start, let count): y = sliceChannels(ins[0], start: start, count: count)
                case .reshape(let shape): y = ins[0].reshaped(shape)
                }
                values[node.output] = transform(node.output, y)
            }
            return values
        }
    }

    /// The output for x: `run(x)[output]`.
    public func callAsFunction(_ x: Tensor) -> Tensor { run(x)[output]! }
}
