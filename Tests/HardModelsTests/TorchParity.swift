import Foundation
import XCTest
import HardEngine
import HardNN
import HardModels

/// The parity scheme shared with the PyTorch twin (`Tools/torch/hard_torch/parity.py`,
/// docs/torch.md): every parameter, buffer, input and label is a function of its key and
/// flat index only, through 32-bit integer arithmetic that both sides compute exactly, so
/// fixtures hold only the outputs and no weights.
enum TorchParity {
    /// FNV-1a over the key's UTF-8 bytes.
    static func keyHash(_ key: String) -> UInt32 {
        var h: UInt32 = 2_166_136_261
        for b in key.utf8 { h = (h ^ UInt32(b)) &* 16_777_619 }
        return h
    }

    /// The low-bias 32-bit mixer of (key hash, index).
    @inline(__always) static func mix(_ keyHash: UInt32, _ index: Int) -> UInt32 {
        var x = keyHash ^ (UInt32(truncatingIfNeeded: index) &* 0x9E37_79B1)
        x ^= x >> 16; x = x &* 0x7FEB_352D
        x ^= x >> 15; x = x &* 0x846C_A68B
        x ^= x >> 16
        return x
    }

    /// count values in [-1, 1) on a 2^-23 grid (exact in Float32).
    static func uniform(_ key: String, count: Int) -> [Float] {
        let h = keyHash(key)
        return (0..<count).map { i in Float(mix(h, i) >> 8) / 8_388_608 - 1 }
    }

    /// (scale, offset) of a tensor, so that activations stay O(1): value = offset + scale * u.
    /// Convolution weights: u * sqrt(3 / fanIn) (variance 1 / fanIn); biases 0.1 u;
    /// BN gamma 1 + 0.25 u, beta 0.1 u, running mean 0.1 u, running var 1 + 0.5 u (> 0).
    static func affine(_ key: String, shape: [Int]) -> (scale: Float, offset: Float) {
        if key.hasSuffix("runningVar") { return (0.5, 1) }
        if key.hasSuffix("runningMean") { return (0.1, 0) }
        if shape.count == 4 {
            let fanIn = shape.dropFirst().reduce(1, *)
            return (Float((3.0 / Double(fanIn)).squareRoot()), 0)
        }
        if key.hasSuffix("bn.weight") { return (0.25, 1) }
        return (0.1, 0)   // BN beta, convolution biases
    }

    /// The value of one tensor of the state dict under the parity formula.
    static func values(_ key: String, shape: [Int]) -> [Float] {
        let (scale, offset) = affine(key, shape: shape)
        return uniform(key, count: shape.reduce(1, *)).map { offset + scale * $0 }
    }

    /// Overwrites every parameter and buffer of the model with the parity formula.
    static func fill(_ model: Module) {
        for (key, t) in model.stateDict() { t.assign(Tensor(shape: t.shape, data: values(key, shape: t.shape))) }
    }

    /// The input image batch: 2 u (roughly ImageNet-normalised pixels). (N, 3, H, W)
    static func input(batch: Int = 1, height: Int, width: Int) -> Tensor {
        let shape = [batch, 3, height, width]
        return Tensor(shape: shape, data: uniform("input", count: shape.reduce(1, *)).map { 2 * $0 })
    }

    /// Labels (N, H, W): class (hash mod classes), one pixel in eight the ignore index 255.
    static func labels(batch: Int, height: Int, width: Int, classes: Int) -> Labels {
        let h = keyHash("labels"), n = batch * height * width
        let values = (0..<n).map { i -> Int32 in
            let x = mix(h, i)
            return x % 8 == 0 ? 255 : Int32((x >> 3) % UInt32(classes))
        }
        return Labels(shape: [batch, height, width], values: values)
    }

    /// The settings every eval fixture uses: the five variants at 64x64, 4 classes.
    static let height = 64, width = 64, classes = 4

    /// Where the fixtures live in the source tree (the writer's side) and in the bundle.
    static var sourceFixtures: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/torch")
    }

    static func bundledFixture(_ name: String) throws -> URL {
        try XCTUnwrap(Bundle.module.url(forResource: name, withExtension: "safetensors", subdirectory: "Fixtures/torch"),
                      "fixture Fixtures/torch/\(name).safetensors missing: run Tools/torch/make_fixtures.py")
    }

    /// Reads a fixture (safetensors: tensors and string metadata).
    static func readFixture(_ url: URL) throws -> (tensors: [String: Tensor], metadata: [String: String]) {
        try SafeTensors.decode(Data(contentsOf: url))
    }

    /// Largest |a - b| over all elements.
    static func maxAbsDiff(_ a: Tensor, _ b: Tensor) -> Float {
        precondition(a.count == b.count)
        var m: Float = 0
        for i in 0..<a.count { m = max(m, abs(a.pointer[i] - b.pointer[i])) }
        return m
    }

    /// The Euclidean norm of a tensor.
    static func norm(_ a: Tensor) -> Float {
        var s = 0.0
        for i in 0..<a.count { s += Double(a.pointer[i]) * Double(a.pointer[i]) }
        return Float(s.squareRoot())
    }

    /// ||a - b|| / max(||b||, tiny): the relative error of a whole tensor.
    static func relativeError(_ a: Tensor, _ b: Tensor) -> Double {
        precondition(a.count == b.count)
        var d = 0.0, n = 0.0
        for i in 0..<a.count {
            let x = Double(a.pointer[i]), y = Double(b.pointer[i])
            d += (x - y) * (x - y); n += y * y
        }
        return (d / max(n, 1e-30)).squareRoot()
    }
}
