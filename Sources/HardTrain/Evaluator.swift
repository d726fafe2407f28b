import Dispatch
import HardData
import HardEngine
import HardModels

/// Runs a model over a dataset and accumulates the confusion matrix.
public enum Evaluator {
    /// Class indices (H, W) for one image (see `Predictor.predict`). For more than one image
    /// keep a `Predictor`: it builds the fast plan once per input size.
    public static func predict(_ model: HARDNetwork, _ image: RGBImage, inputSize: (height: Int, width: Int)? = nil) throws -> LabelMap {
        try Predictor(model).predict(image, inputSize: inputSize)
    }

    /// Per-pixel argmax over channels of (1, C, H, W) logits (the first maximum wins).
    public static func argmaxChannels(_ logits: Tensor) -> LabelMap {
        let (_, c, h, w) = logits.nchw
        precondition(c >= 1 && c <= 256, "argmax over \(c) channels: class maps hold 1...256 classes")
        let n = h * w
        var best = [UInt8](repeating: 0, count: n)
        var bestValue = [Float](repeating: -.infinity, count: n)
        // Plane by plane (sequential reads); every index below is < n = h * w, checked by the
        // shape above, so the loop reads through unchecked buffers.
        best.withUnsafeMutableBufferPointer { b in
            bestValue.withUnsafeMutableBufferPointer { v in
                for ch in 0..<c {
                    let plane = logits.pointer + ch * n
                    let label = UInt8(ch)
                    for i in 0..<n where plane[i] > v[i] {
                        v[i] = plane[i]
                        b[i] = label
                    }
                }
            }
        }
        return LabelMap(width: w, height: h, values: best)
    }

    /// mIoU, per-class IoU and pixel accuracy over the first `limit` images (all by default;
    /// a limit below 1 is an error, not an empty or endless loop), on the fast plan where the
    /// machine has it (`Predictor`; `path` forces one). `onPrediction` sees each image with
    /// its index, labels and prediction (the trainer's TensorBoard overlays), so nothing is
    /// predicted twice.
    public static func evaluate(_ model: HARDNetwork, on dataset: SegmentationDataset, limit: Int? = nil,
                                inputSize: (height: Int, width: Int)? = nil, path: Predictor.Path? = nil,
                                augmentation: TestTimeAugmentation = .init(), progress: (Int, Int) -> Void = { _, _ in },
                                onPrediction: (Int, RGBImage, LabelMap, LabelMap) -> Void = { _, _, _, _ in }) throws -> EvaluationResult {
        if let limit, limit < 1 { throw ConfigError("the image limit must be at least 1, got \(limit)") }
        precondition(model.classes == dataset.classCount,
                     "model has \(model.classes) classes, \(dataset.name) has \(dataset.classCount)")
        let wasTraining = model.isTraining
        model.eval()
        defer { if wasTraining { model.train() } }
        var matrix = ConfusionMatrix(classes: dataset.classCount)
        let n = min(dataset.count, limit ?? dataset.count)
        let predictor = Predictor(model, path: path)
        var readNs: UInt64 = 0, predictNs: UInt64 = 0
        for i in 0..<n {
            let t0 = DispatchTime.now().uptimeNanoseconds
            let (image, labels) = try dataset.sample(i)
            let t1 = DispatchTime.now().uptimeNanoseconds
            let predicted = try predictor.predict(image, inputSize: inputSize, augmentation: augmentation)
            predictNs += DispatchTime.now().uptimeNanoseconds - t1
            readNs += t1 - t0
            matrix.add(predictions: predicted.values, labels: labels.values)
            onPrediction(i, image, labels, predicted)
            progress(i + 1, n)
        }
        var result = EvaluationResult(matrix: matrix, classNames: dataset.classNames, images: n, dataset: dataset.name)
        let predictMs = Double(predictNs) / 1e6 - predictor.planBuildMs
        result.timing = .init(path: predictor.path.rawValue, readMsPerImage: Double(readNs) / 1e6 / Double(n),
                              predictMsPerImage: predictMs / Double(n), planBuildMs: predictor.planBuildMs,
                              plansBuilt: predictor.plansBuilt)
        return result
    }

    /// The same metrics for any predictor (the host int8 executor of `hard eval --int8`):
    /// `predict` maps an image to its class map at the image's size; `path` names it in the timing.
    public static func evaluate(on dataset: SegmentationDataset, limit: Int? = nil, path: String,
                                progress: (Int, Int) -> Void = { _, _ in },
                                predict: (RGBImage) throws -> LabelMap) throws -> EvaluationResult {
        if let limit, limit < 1 { throw ConfigError("the image limit must be at least 1, got \(limit)") }
        var matrix = ConfusionMatrix(classes: dataset.classCount)
        let n = min(dataset.count, limit ?? dataset.count)
        var readNs: UInt64 = 0, predictNs: UInt64 = 0
        for i in 0..<n {
            let t0 = DispatchTime.now().uptimeNanoseconds
            let (image, labels) = try dataset.sample(i)
            let t1 = DispatchTime.now().uptimeNanoseconds
            let predicted = try predict(image)
            predictNs += DispatchTime.now().uptimeNanoseconds - t1
            readNs += t1 - t0
            matrix.add(predictions: predicted.values, labels: labels.values)
            progress(i + 1, n)
        }
        var result = EvaluationResult(matrix: matrix, classNames: dataset.classNames, images: n, dataset: dataset.name)
        result.timing = .init(path: path, readMsPerImage: Double(readNs) / 1e6 / Double(n),
                              predictMsPerImage: Double(predictNs) / 1e6 / Double(n), planBuildMs: 0, plansBuilt: 0)
        return result
    }
}
