import HardEngine
import HardNN

/// What every HARD variant offers: main logits at the input's resolution, and in
/// training mode the auxiliary logits that the extra semantic loss (Eq. 7) needs.
open class HARDNetwork: Module {
    public let variant: Variant
    public let classes: Int

    init(variant: Variant, classes: Int) {
        precondition(classes >= 1, "a segmentation model needs at least one class")
        self.variant = variant
        self.classes = classes
    }

    /// In training mode: [main, auxiliary...]; in eval mode: [main]. Each (N, classes, H, W)
    /// for an input (N, 3, H, W), whatever H and W.
    open func outputs(_ x: Tensor) -> [Tensor] {
        preconditionFailure("\(type(of: self)) must implement outputs(_:)")
    }

    /// What the outputs classify: pixels (the segmentation variants) or whole images.
    open var task: ModelTask { .segmentation }

    /// Main logits (N, classes, H, W).
    public override func forward(_ x: Tensor) -> Tensor { outputs(x)[0] }

    /// Modules used only in training (auxiliary heads); not part of the deployed model.
    open var trainingOnlyModules: [Module] { [] }

    /// Parameters of the deployed model (without the training-only heads), as the paper counts.
    public var inferenceParameterCount: Int {
        parameterCount - trainingOnlyModules.reduce(0) { $0 + $1.parameterCount }
    }
}
