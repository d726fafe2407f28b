import HardEngine
import HardModels

/// One forward pass of `model` on a zero (1, 3, H, W) input in eval mode with its batch
/// norms folded (irreversible), every op recorded through `GraphTrace`: what the ONNX
/// exporter and the int8 quantizer both read.
struct InferenceTrace {
    let input: Tensor
    let output: Tensor
    let events: [GraphEvent]

    /// Throws `MemoryError` before tracing when the kept activations cannot fit in memory.
    init(_ model: HARDNetwork, height: Int, width: Int) throws {
        try MemoryEstimate.check(.trace, variant: model.variant, classes: model.classes, height: height, width: width)
        model.eval()
        model.foldBatchNorms()
        var events: [GraphEvent] = []
        let x = Tensor.zeros([1, 3, height, width])
        output = withNoGrad {
            GraphTrace.recorder = { events.append($0) }
            defer { GraphTrace.recorder = nil }
            return model(x)
        }
        input = x
        self.events = events
    }
}
