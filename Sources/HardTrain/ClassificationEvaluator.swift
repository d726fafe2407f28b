import HardData
import HardEngine
import HardModels

/// Top-1 and top-5 accuracy of an image classifier (encoder pretraining).
public struct ClassificationResult: Sendable, Equatable {
    public let top1: Double
    public let top5: Double
    public let images: Int
}

/// Evaluates as ImageNet classifiers are: the image with its shorter side at the crop's
/// longer side (the dataset does that), then the centre crop, one forward pass, argmax.
public enum ClassificationEvaluator {
    public static func evaluate(_ model: HARDNetwork, on dataset: ImageClassDataset, cropHeight: Int, cropWidth: Int,
                                limit: Int? = nil) throws -> ClassificationResult {
        if let limit, limit < 1 { throw ConfigError("the image limit must be at least 1, got \(limit)") }
        precondition(model.classes == dataset.classCount, "model has \(model.classes) classes, \(dataset.name) has \(dataset.classCount)")
        let wasTraining = model.isTraining
        model.eval()
        defer { if wasTraining { model.train() } }
        let n = min(dataset.count, limit ?? dataset.count)
        var top1 = 0, top5 = 0
        for i in 0..<n {
            let (image, labels) = try dataset.sample(i)
            let (crop, _) = Augmentation.crop(image, labels, x: (image.width - cropWidth) / 2, y: (image.height - cropHeight) / 2,
                                              width: cropWidth, height: cropHeight)
            let truth = dataset.imageClass(i)
            let scores: [Float] = withNoGrad {
                let logits = model(Normalization.batch([crop]))            // (1, classes, 1, 1)
                return Array(UnsafeBufferPointer(start: logits.pointer, count: model.classes))
            }
            // Rank of the true class: how many classes score strictly higher.
            let higher = scores.reduce(0) { $0 + ($1 > scores[truth] ? 1 : 0) }
            if higher == 0 { top1 += 1 }
            if higher < 5 { top5 += 1 }
        }
        return ClassificationResult(top1: Double(top1) / Double(max(n, 1)), top5: Double(top5) / Double(max(n, 1)), images: n)
    }
}
