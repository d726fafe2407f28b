import HardData

/// A per-pixel colour classifier: the strongest model that sees one pixel's colour and
/// nothing else. It counts, on training images, how often each quantised colour (16 levels
/// per channel, 4,096 bins) carries each class, and predicts the most frequent class of the
/// bin (the overall most frequent class for unseen bins). This is the Bayes-optimal rule for
/// quantised colour; if a segmentation set is "separable by colour", this scores high.
public struct ColorBaseline: Sendable {
    public let classes: Int
    public private(set) var decision: [UInt8]

    static func bin(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> Int { Int(r >> 4) << 8 | Int(g >> 4) << 4 | Int(b >> 4) }

    /// Fits on the first `limit` samples of a dataset.
    public init(fitting dataset: SegmentationDataset, limit: Int) throws {
        let classes = dataset.classCount
        self.classes = classes
        var counts = [UInt32](repeating: 0, count: 4096 * classes)
        var totals = [UInt64](repeating: 0, count: classes)
        for i in 0..<min(limit, dataset.count) {
            let (image, labels) = try dataset.sample(i)
            for p in 0..<(image.width * image.height) where labels.values[p] != LabelMap.ignore {
                let c = Int(labels.values[p])
                counts[Self.bin(image.pixels[3 * p], image.pixels[3 * p + 1], image.pixels[3 * p + 2]) * classes + c] += 1
                totals[c] += 1
            }
        }
        let fallback = UInt8(totals.indices.max { totals[$0] < totals[$1] } ?? 0)
        decision = (0..<4096).map { b in
            var best = -1, bestCount: UInt32 = 0
            for c in 0..<classes where counts[b * classes + c] > bestCount { best = c; bestCount = counts[b * classes + c] }
            return best < 0 ? fallback : UInt8(best)
        }
    }

    public func predict(_ image: RGBImage) -> LabelMap {
        var values = [UInt8](repeating: 0, count: image.width * image.height)
        for p in 0..<values.count { values[p] = decision[Self.bin(image.pixels[3 * p], image.pixels[3 * p + 1], image.pixels[3 * p + 2])] }
        return LabelMap(width: image.width, height: image.height, values: values)
    }

    /// mIoU etc. of the baseline on a dataset.
    public func evaluate(on dataset: SegmentationDataset, limit: Int? = nil) throws -> EvaluationResult {
        var matrix = ConfusionMatrix(classes: classes)
        let n = min(dataset.count, limit ?? dataset.count)
        for i in 0..<n {
            let (image, labels) = try dataset.sample(i)
            matrix.add(predictions: predict(image).values, labels: labels.values)
        }
        return EvaluationResult(matrix: matrix, classNames: dataset.classNames, images: n, dataset: dataset.name + " (colour-only baseline)")
    }
}
