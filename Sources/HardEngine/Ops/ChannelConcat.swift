// Concatenation and slicing along the channel axis of (N, C, H, W) tensors: the
// "concat(encoder, atrous, pooling)" and "concat with the feature map before SA" of HARD.

/// Concatenates along channels. Each input (N, Ci, H, W) -> (N, sum Ci, H, W).
public func concatChannels(_ xs: [Tensor]) -> Tensor {
    precondition(!xs.isEmpty, "concatChannels: no inputs")
    let (n, _, h, w) = xs[0].nchw
    for x in xs { precondition(x.rank == 4 && x.shape[0] == n && x.shape[2] == h && x.shape[3] == w,
                               "concatChannels: shapes \(xs.map(\.shape)) differ outside the channel axis") }
    let channels = xs.map { $0.shape[1] }
    if let y = GraphTrace.intercept(.concat, xs, shape: [n, channels.reduce(0, +), h, w]) { return y }
    let y = Tensor.uninitialized([n, channels.reduce(0, +), h, w])
    Backend.dispatch("concat", onednn: {
        try DNNLChannels.concat(xs, y: y)
    }, reference: {
        ChannelReference.concat(xs, y: y)
    })
    OpTrace.record("concat", macs: 0, output: y)
    return y.recorded("concat", inputs: xs) { dy in
        var start = 0
        return channels.map { c in
            defer { start += c }
            return sliceChannelsKernel(dy, start: start, count: c, op: "concat.backward")
        }
    }
}

/// Channels [start, start + count) of x: (N, C, H, W) -> (N, count, H, W).
public func sliceChannels(_ x: Tensor, start: Int, count: Int) -> Tensor {
    let (_, c, _, _) = x.nchw
    precondition(start >= 0 && count > 0 && start + count <= c, "sliceChannels: [\(start), \(start + count)) of \(c) channels")
    if let y = GraphTrace.intercept(.slice(start: start, count: count), [x], shape: [x.shape[0], count, x.shape[2], x.shape[3]]) {
        return y
    }
    let y = sliceChannelsKernel(x, start: start, count: count, op: "slice")
    OpTrace.record("slice", macs: 0, output: y)
    return y.recorded("slice", inputs: [x]) { dy in
        let dx = Tensor.zeros(x.shape)
        Backend.dispatch("slice.backward", onednn: {
            try DNNLChannels.writeSlice(dy, into: dx, start: start)
        }, reference: {
            ChannelReference.writeSlice(dy, into: dx, start: start)
        })
        return [dx]
    }
}

func sliceChannelsKernel(_ x: Tensor, start: Int, count: Int, op: String) -> Tensor {
    let (n, _, h, w) = x.nchw
    let y = Tensor.uninitialized([n, count, h, w])
    Backend.dispatch(op, onednn: {
        try DNNLChannels.readSlice(x, start: start, into: y)
    }, reference: {
        ChannelReference.readSlice(x, start: start, into: y)
    })
    return y
}

enum ChannelReference {
    static func concat(_ xs: [Tensor], y: Tensor) {
        let (n, cy, h, w) = y.nchw
        var offset = 0
        for x in xs {
            let c = x.shape[1]
            for b in 0..<n {
                for i in 0..<(c * h * w) { y.pointer[(b * cy + offset) * h * w + i] = x.pointer[b * c * h * w + i] }
            }
            offset += c
        }
    }

    /// y = x[:, start ..< start + y.C]
    static func readSlice(_ x: Tensor, start: Int, into y: Tensor) {
        let (n, c, h, w) = x.nchw
        let cy = y.shape[1]
        for b in 0..<n { for i in 0..<(cy * h * w) { y.pointer[b * cy * h * w + i] = x.pointer[(b * c + start) * h * w + i] } }
    }

    /// x[:, start ..< start + y.C] = y
    static func writeSlice(_ y: Tensor, into x: Tensor, start: Int) {
        let (n, c, h, w) = x.nchw
        let cy = y.shape[1]
        for b in 0..<n { for i in 0..<(cy * h * w) { x.pointer[(b * c + start) * h * w + i] = y.pointer[b * cy * h * w + i] } }
    }
}
