/// An n-dimensional Float32 tensor with reverse-mode autodiff.
///
/// Data is contiguous, row-major, in the logical layout of PyTorch and ONNX (NCHW for
/// feature maps). Backends may use blocked layouts internally but always hand back
/// contiguous NCHW. A tensor that `requiresGrad` collects gradients in `grad` when
/// `backward()` runs from a scalar that depends on it.
public final class Tensor: CustomStringConvertible {
    /// Extent of each dimension, outermost first: `(N, C, H, W)` for feature maps.
    public let shape: [Int]
    /// The elements, row-major. Shared between a tensor and its reshaped views.
    public let storage: TensorStorage
    /// Accumulated gradient of the last `backward()` calls (nil until one reaches this tensor).
    public var grad: Tensor?
    /// When true, ops that read this tensor record how to differentiate through it.
    public var requiresGrad: Bool
    /// The recorded op that produced this tensor (nil for leaves and in no-grad mode).
    var gradFn: GradNode?

    /// Wraps an existing storage; `shape` must describe exactly `storage.count` elements.
    public init(shape: [Int], storage: TensorStorage, requiresGrad: Bool = false) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in shape \(shape)")
        precondition(shape.reduce(1, *) == storage.count,
                     "shape \(shape) needs \(shape.reduce(1, *)) elements, storage has \(storage.count)")
        self.shape = shape
        self.storage = storage
        self.requiresGrad = requiresGrad
    }

    /// A zero-filled tensor.
    public convenience init(zeros shape: [Int], requiresGrad: Bool = false) {
        self.init(shape: shape, storage: TensorStorage(count: shape.reduce(1, *)), requiresGrad: requiresGrad)
    }

    /// A tensor holding `data` (row-major) with the given shape.
    public convenience init(shape: [Int], data: [Float], requiresGrad: Bool = false) {
        let storage = TensorStorage(count: shape.reduce(1, *), zeroed: false)
        precondition(data.count == storage.count, "\(data.count) values for shape \(shape)")
        data.withUnsafeBufferPointer { storage.pointer.update(from: $0.baseAddress!, count: data.count) }
        self.init(shape: shape, storage: storage, requiresGrad: requiresGrad)
    }

    /// A rank-0 tensor holding one value.
    public convenience init(scalar: Float) {
        self.init(shape: [], data: [scalar])
    }

    /// An uninitialised tensor for kernels that overwrite every element.
    static func uninitialized(_ shape: [Int]) -> Tensor {
        Tensor(shape: shape, storage: TensorStorage(count: shape.reduce(1, *), zeroed: false))
    }

    public var count: Int { storage.count }
    public var rank: Int { shape.count }
    public var pointer: UnsafeMutablePointer<Float> { storage.pointer }

    /// The single value of a one-element tensor.
    public var scalar: Float {
        precondition(count == 1, "scalar of a tensor with shape \(shape)")
        return storage.pointer[0]
    }

    /// A copy of the elements, row-major.
    public func toArray() -> [Float] { Array(storage.buffer) }

    /// `(N, C, H, W)` of a rank-4 tensor; traps with the shape otherwise.
    public var nchw: (n: Int, c: Int, h: Int, w: Int) {
        precondition(rank == 4, "expected an (N, C, H, W) tensor, got shape \(shape)")
        return (shape[0], shape[1], shape[2], shape[3])
    }

    /// The element at a multi-index (slow; for tests and debugging).
    public subscript(_ index: Int...) -> Float {
        get { storage.pointer[flatIndex(index)] }
        set { storage.pointer[flatIndex(index)] = newValue }
    }

    private func flatIndex(_ index: [Int]) -> Int {
        precondition(index.count == rank, "index \(index) for shape \(shape)")
        var flat = 0
        for (i, d) in zip(index, shape) {
            precondition(i >= 0 && i < d, "index \(index) out of range for shape \(shape)")
            flat = flat * d + i
        }
        return flat
    }

    /// A tensor that shares the data but is cut off from the autodiff graph.
    public func detached() -> Tensor { Tensor(shape: shape, storage: storage) }

    /// An independent copy of the data (no autodiff history).
    public func copy() -> Tensor {
        let out = Tensor.uninitialized(shape)
        out.pointer.update(from: pointer, count: count)
        return out
    }

    /// Forgets the accumulated gradient.
    public func zeroGrad() { grad = nil }

    /// Overwrites the data in place from another tensor of the same element count
    /// (used by optimizers and checkpoint loading; not recorded by autodiff).
    public func assign(_ other: Tensor) {
        precondition(other.count == count, "assign \(other.shape) into \(shape)")
        pointer.update(from: other.pointer, count: count)
    }

    public var description: String {
        if storage.isPlaceholder { return "Tensor(shape: \(shape), traced placeholder)" }
        let preview = toArray().prefix(8).map { String($0) }.joined(separator: ", ")
        return "Tensor(shape: \(shape), [\(preview)\(count > 8 ? ", ..." : "")])"
    }
}

// MARK: - Initialisers

extension Tensor {
    public static func zeros(_ shape: [Int], requiresGrad: Bool = false) -> Tensor {
        Tensor(zeros: shape, requiresGrad: requiresGrad)
    }

    public static func full(_ shape: [Int], _ value: Float, requiresGrad: Bool = false) -> Tensor {
        let t = Tensor.uninitialized(shape)
        t.pointer.update(repeating: value, count: t.count)
        t.requiresGrad = requiresGrad
        return t
    }

    public static func ones(_ shape: [Int], requiresGrad: Bool = false) -> Tensor {
        full(shape, 1, requiresGrad: requiresGrad)
    }

    /// Uniform in [low, high).
    public static func uniform(_ shape: [Int], low: Float = 0, high: Float = 1,
                               generator: inout SeededGenerator, requiresGrad: Bool = false) -> Tensor {
        let t = Tensor.uninitialized(shape)
        for i in 0..<t.count { t.pointer[i] = generator.uniform(low, high) }
        t.requiresGrad = requiresGrad
        return t
    }

    /// Normal with the given mean and standard deviation.
    public static func normal(_ shape: [Int], mean: Float = 0, std: Float = 1,
                              generator: inout SeededGenerator, requiresGrad: Bool = false) -> Tensor {
        let t = Tensor.uninitialized(shape)
        for i in 0..<t.count { t.pointer[i] = mean + std * generator.normal() }
        t.requiresGrad = requiresGrad
        return t
    }

    /// PyTorch's default for `Conv2d.weight`: `kaiming_uniform_(a = sqrt(5))`, which is
    /// U(-b, b) with b = gain * sqrt(3 / fanIn), gain = sqrt(2 / (1 + a^2)); for a = sqrt(5)
    /// that is b = 1 / sqrt(fanIn). `fanIn` = inChannels / groups * kH * kW.
    public static func kaimingUniform(_ shape: [Int], fanIn: Int, a: Float = Float(5).squareRoot(),
                                      generator: inout SeededGenerator) -> Tensor {
        let gain = (2 / (1 + a * a)).squareRoot()
        let bound = gain * (3 / Float(max(fanIn, 1))).squareRoot()
        return uniform(shape, low: -bound, high: bound, generator: &generator, requiresGrad: true)
    }

    /// He normal initialisation (`kaiming_normal_`, mode fan_out, ReLU gain), the usual
    /// choice for segmentation backbones: N(0, 2 / fanOut).
    public static func kaimingNormal(_ shape: [Int], fanOut: Int, generator: inout SeededGenerator) -> Tensor {
        normal(shape, std: (2 / Float(max(fanOut, 1))).squareRoot(), generator: &generator, requiresGrad: true)
    }
}
