import Dispatch
import HardData
import HardEngine
import HardModels

/// Segments images with a model on the fastest path the machine has: the fast inference plan
/// (`BlockedInference`: the model's traced graph, batch norms folded, nChw8c on oneDNN),
/// built once per input size and reused with its input and output tensors, so a folder or a
/// dataset of same-sized images pays the plan once. Where oneDNN is missing, or the reference
/// backend is selected, it runs the model op by op.
///
/// The plan copies the weights when it is built: a `Predictor` answers for the model as it
/// was then (the trainer makes a new one for each validation).
public final class Predictor {
    public enum Path: String, Sendable {
        /// `BlockedInference`, the plan `hard bench` times.
        case fastPlan = "blocked-nChw8c"
        /// The model's own forward pass, op by op.
        case opByOp = "op-by-op"
    }

    public let model: HARDNetwork
    public let path: Path
    /// Plans kept at once: enough for the sizes of any dataset (one or two), bounded for a
    /// folder of images that all differ.
    static let maxPlans = 4
    /// Milliseconds spent building plans (tracing, passes, weight reorders, primitives).
    public private(set) var planBuildMs = 0.0
    /// Plans built so far.
    public private(set) var plansBuilt = 0
    private var plans: [(height: Int, width: Int, plan: BlockedInference, input: Tensor, output: Tensor)] = []

    /// Checks nothing yet: plans are built on the first image of each size.
    public init(_ model: HARDNetwork, path: Path? = nil) {
        self.model = model
        self.path = path ?? (Backend.current == .onednn && OneDNN.isAvailable ? .fastPlan : .opByOp)
    }

    /// Class indices (H, W) for one image: the model at the image's size, or at `inputSize`
    /// (then the logits are resized back to the image's size, as mmseg does). Throws
    /// `MemoryError` before any work when the size cannot fit in memory.
    public func predict(_ image: RGBImage, inputSize: (height: Int, width: Int)? = nil) throws -> LabelMap {
        // Before any work of that size: the resize allocates first (`logits` checks the rest).
        if let size = inputSize { try checkMemory(size.height, size.width) }
        let input = inputSize.map { Resampling.resize(image, width: $0.width, height: $0.height) } ?? image
        let logits = try self.logits(input)
        if input.width != image.width || input.height != image.height {
            return Evaluator.argmaxChannels(withNoGrad { resizeBilinear(logits, height: image.height, width: image.width) })
        }
        return Evaluator.argmaxChannels(logits)
    }

    /// Logits (1, classes, H, W) of `image` at its own size; on the fast plan the tensor is the
    /// plan's output, overwritten by the next call of that size (copy it to keep it).
    func logits(_ image: RGBImage) throws -> Tensor {
        switch path {
        case .fastPlan:
            let entry = try plan(height: image.height, width: image.width)
            Normalization.write(image, into: entry.input.pointer)
            try entry.plan.run(entry.input, into: entry.output)
            return entry.output
        case .opByOp:
            try checkMemory(image.height, image.width)
            let wasTraining = model.isTraining
            model.eval()
            defer { if wasTraining { model.train() } }
            return withNoGrad { model(Normalization.batch([image])) }
        }
    }

    /// `MemoryError` when a pass at height x width cannot fit in memory.
    private func checkMemory(_ height: Int, _ width: Int) throws {
        try MemoryEstimate.check(.inference, variant: model.variant, classes: model.classes, height: height, width: width)
    }

    private func plan(height: Int, width: Int) throws -> (plan: BlockedInference, input: Tensor, output: Tensor) {
        if let i = plans.firstIndex(where: { $0.height == height && $0.width == width }) {
            let e = plans[i]
            return (e.plan, e.input, e.output)
        }
        try checkMemory(height, width)   // only before building: a cached plan has its memory
        let t0 = DispatchTime.now().uptimeNanoseconds
        let plan = try BlockedInference(graph: Graph.trace(model, height: height, width: width))
        planBuildMs += Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6
        plansBuilt += 1
        let entry = (height: height, width: width, plan: plan, input: Tensor.zeros(plan.inputShape), output: Tensor.zeros(plan.outputShape))
        if plans.count == Self.maxPlans { plans.removeFirst() }
        plans.append(entry)
        return (entry.plan, entry.input, entry.output)
    }
}
