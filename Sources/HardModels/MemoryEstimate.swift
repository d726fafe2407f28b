import HardEngine
import HardNN
import Synchronization

/// How much memory a pass of a variant needs at a size, estimated before the pass runs, so
/// that `--height 100000 --width 100000` is refused with "needs N GB, M GB available"
/// instead of a 15 GB climb and a kill (docs/reliability.md).
///
/// Measured, not modelled: a fresh model of the variant runs each pass once at a small
/// calibration size, and the engine's allocation counter (`TensorStorage.peakBytes`) gives
/// the peak bytes above the weights. Every activation of a HARD network is a fixed fraction
/// of the input's pixels (strided maps, bilinear resizes by ratios), so the cost per input
/// pixel carries over to any size; a 15 % margin covers rounding of odd sizes.
public enum MemoryEstimate {
    public enum Pass: Sendable {
        /// Eval mode, no autodiff: `hard eval`, `hard segment`, validation.
        case inference
        /// Train mode, forward + losses + backward, per image of the batch.
        case training
    }

    /// The calibration input: every variant runs at 128x128 (HARD-GPU's 1/32 map is 4x4).
    static let calibration = (height: 128, width: 128)
    static let margin = 1.15

    private static let cache = Mutex<[String: Double]>([:])

    /// Estimated bytes for `pass` at `batch` x (3, `height`, `width`), weights excluded.
    public static func bytes(_ pass: Pass, variant: Variant, classes: Int, height: Int, width: Int, batch: Int = 1) -> Int {
        let perPixel = bytesPerPixel(pass, variant: variant, classes: classes)
        let total = perPixel * margin * Double(height) * Double(width) * Double(batch)
        return total >= Double(Int.max) ? Int.max : Int(total)
    }

    /// Throws `MemoryError` ("hard-gpu inference at 100000x100000 needs 9,630 GB of memory,
    /// 22.5 GB available") when the estimate exceeds the machine's available memory.
    public static func check(_ pass: Pass, variant: Variant, classes: Int, height: Int, width: Int, batch: Int = 1) throws {
        let needed = bytes(pass, variant: variant, classes: classes, height: height, width: width, batch: batch)
        let what: String
        switch pass {
        case .inference: what = "\(variant.rawValue) inference at \(height)x\(width)"
        case .training: what = "training \(variant.rawValue) on batches of \(batch) x \(height)x\(width)"
        }
        try SystemMemory.require(needed, for: what)
    }

    /// Peak bytes per input pixel of one pass at the calibration size, measured once per
    /// (variant, classes, pass) and cached.
    static func bytesPerPixel(_ pass: Pass, variant: Variant, classes: Int) -> Double {
        let key = "\(variant.rawValue)/\(classes)/\(pass)"
        if let known = cache.withLock({ $0[key] }) { return known }
        let measured = calibrate(pass, variant: variant, classes: classes)
        cache.withLock { $0[key] = measured }
        return measured
    }

    static func calibrate(_ pass: Pass, variant: Variant, classes: Int) -> Double {
        let (h, w) = calibration
        return Double(measuredPeak(pass, variant: variant, classes: classes, height: h, width: w)) / Double(h * w)
    }

    /// Peak bytes above the weights that one `pass` of a fresh model allocates at batch 1 x
    /// (3, `height`, `width`), read from the engine's allocation counter. The calibration at
    /// 128x128, and the tests' check of the estimate against a pass at another size.
    static func measuredPeak(_ pass: Pass, variant: Variant, classes: Int, height h: Int, width w: Int) -> Int {
        // A fresh model: a train-mode pass updates batch-norm statistics, and the caller's
        // model must stay exactly as it is.
        let model = Zoo.make(variant, classes: classes)
        let x = Tensor.zeros([1, 3, h, w])
        let before = TensorStorage.liveBytes
        TensorStorage.resetPeak()
        switch pass {
        case .inference:
            model.eval()
            withNoGrad { _ = model(x) }
        case .training:
            model.train()
            let labels = Labels(shape: [1, h, w], values: [Int32](repeating: 0, count: h * w))
            let outputs = model.outputs(x)
            var loss = crossEntropy(outputs[0], labels)
            for o in outputs.dropFirst() { loss = add(loss, crossEntropy(o, labels)) }
            loss.backward()
        }
        var peak = max(TensorStorage.peakBytes - before, 0)
        // The weights' gradients do not grow with the input; keep them out of the per-pixel cost.
        if case .training = pass { peak = max(peak - 4 * model.parameterCount, 0) }
        return peak
    }
}
