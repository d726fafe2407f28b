import Foundation

/// Pixel counts of (true class, predicted class) over a whole evaluation set, and the
/// field's metrics from it (mmseg's convention): IoU_c = TP / (TP + FP + FN) summed over the
/// set, mIoU = mean over classes whose union is non-empty, pixel accuracy = TP / labelled;
/// per-class accuracy (recall) TP / (TP + FN) with mAcc its mean over labelled classes;
/// Dice 2 TP / (2 TP + FP + FN) with mDice over classes with a union; frequency-weighted
/// IoU = sum_c (labelled_c / labelled) IoU_c. Pixels labelled 255 are ignored.
public struct ConfusionMatrix: Sendable, Equatable {
    public let classes: Int
    /// counts[truth * classes + prediction]
    public private(set) var counts: [UInt64]

    public init(classes: Int) {
        precondition(classes > 0)
        self.classes = classes
        counts = [UInt64](repeating: 0, count: classes * classes)
    }

    /// Adds one prediction map against its labels (same length; labels 255 skipped).
    public mutating func add(predictions: [UInt8], labels: [UInt8]) {
        precondition(predictions.count == labels.count, "\(predictions.count) predictions for \(labels.count) labels")
        for (p, t) in zip(predictions, labels) where t != 255 {
            precondition(Int(t) < classes && Int(p) < classes, "class \(t) or prediction \(p) out of \(classes)")
            counts[Int(t) * classes + Int(p)] += 1
        }
    }

    /// Sets the counts from `rows` (counts[truth][prediction], as `rows` gives them).
    public mutating func load(rows: [[UInt64]]) {
        precondition(rows.count == classes && rows.allSatisfy { $0.count == classes }, "confusion rows are not \(classes)x\(classes)")
        counts = rows.flatMap { $0 }
    }

    public mutating func merge(_ other: ConfusionMatrix) {
        precondition(other.classes == classes)
        for i in 0..<counts.count { counts[i] += other.counts[i] }
    }

    /// IoU per class; nil where the class is neither labelled nor predicted anywhere.
    public var iou: [Double?] {
        (0..<classes).map { c in
            let tp = counts[c * classes + c]
            var fp: UInt64 = 0, fn: UInt64 = 0
            for k in 0..<classes where k != c {
                fp += counts[k * classes + c]
                fn += counts[c * classes + k]
            }
            let union = tp + fp + fn
            return union == 0 ? nil : Double(tp) / Double(union)
        }
    }

    /// Mean IoU over classes with a non-empty union (0 when there are none).
    public var meanIoU: Double {
        let present = iou.compactMap { $0 }
        return present.isEmpty ? 0 : present.reduce(0, +) / Double(present.count)
    }

    public var pixelAccuracy: Double {
        let total = counts.reduce(0, +)
        let correct = (0..<classes).reduce(UInt64(0)) { $0 + counts[$1 * classes + $1] }
        return total == 0 ? 0 : Double(correct) / Double(total)
    }

    public var labelledPixels: UInt64 { counts.reduce(0, +) }

    /// Pixels labelled c, over all predictions.
    public func labelled(_ c: Int) -> UInt64 { counts[(c * classes)..<((c + 1) * classes)].reduce(0, +) }

    /// Pixels predicted c, over all labels.
    public func predicted(_ c: Int) -> UInt64 { (0..<classes).reduce(UInt64(0)) { $0 + counts[$1 * classes + c] } }

    /// Recall per class; nil where the class is never labelled.
    public var accuracy: [Double?] {
        (0..<classes).map { c in
            let n = labelled(c)
            return n == 0 ? nil : Double(counts[c * classes + c]) / Double(n)
        }
    }

    /// Mean of `accuracy` over labelled classes (mmseg's mAcc).
    public var meanAccuracy: Double { Self.mean(accuracy) }

    /// Dice (F1) per class; nil where the union is empty.
    public var dice: [Double?] {
        (0..<classes).map { c in
            let tp = counts[c * classes + c], sum = labelled(c) + predicted(c)
            return sum == 0 ? nil : 2 * Double(tp) / Double(sum)
        }
    }

    public var meanDice: Double { Self.mean(dice) }

    /// Frequency-weighted IoU: each class's IoU weighted by its share of the labelled pixels.
    public var frequencyWeightedIoU: Double {
        let total = Double(labelledPixels)
        guard total > 0 else { return 0 }
        return zip(0..<classes, iou).reduce(0) { $0 + Double(labelled($1.0)) / total * ($1.1 ?? 0) }
    }

    /// Rows (true class) of counts.
    public var rows: [[UInt64]] { (0..<classes).map { Array(counts[($0 * classes)..<(($0 + 1) * classes)]) } }

    static func mean(_ values: [Double?]) -> Double {
        let present = values.compactMap { $0 }
        return present.isEmpty ? 0 : present.reduce(0, +) / Double(present.count)
    }
}

/// What `hard eval` reports.
public struct EvaluationResult: Codable, Sendable {
    public struct ClassIoU: Codable, Sendable {
        public let name: String
        /// nil when the class is absent from labels and predictions.
        public let iou: Double?
        /// Recall; nil when the class is never labelled.
        public var accuracy: Double?
        /// nil when the class is absent from labels and predictions.
        public var dice: Double?
    }

    public let miou: Double
    public let pixelAccuracy: Double
    public var meanAccuracy: Double
    public var meanDice: Double
    public var frequencyWeightedIoU: Double
    /// counts[truth][prediction] (`ConfusionMatrix.rows`).
    public var confusion: [[UInt64]]
    public let perClass: [ClassIoU]
    public let images: Int
    public let dataset: String
    /// Where the time went, per image (nil when not measured).
    public var timing: Timing?

    /// Mean milliseconds per image of reading (decode, labels) and predicting (the model,
    /// argmax and any resize back), and which inference path predicted.
    public struct Timing: Codable, Sendable {
        public var path: String
        public var readMsPerImage: Double
        /// Inference, argmax and resize; plan building excluded (it is `planBuildMs`).
        public var predictMsPerImage: Double
        /// Building the fast plan, once per input size (0 on the op-by-op path).
        public var planBuildMs: Double
        public var plansBuilt: Int

        enum CodingKeys: String, CodingKey {
            case path
            case planBuildMs = "plan_build_ms"
            case plansBuilt = "plans_built"
            case readMsPerImage = "read_ms_per_image"
            case predictMsPerImage = "predict_ms_per_image"
        }
    }

    enum CodingKeys: String, CodingKey {
        case miou, images, dataset, timing, confusion
        case pixelAccuracy = "pixel_accuracy", meanAccuracy = "mean_accuracy", meanDice = "mean_dice"
        case frequencyWeightedIoU = "fw_iou"
        case perClass = "per_class"
    }

    /// Reads files written before mAcc, mDice, fwIoU and the matrix were added (0 and empty).
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        miou = try c.decode(Double.self, forKey: .miou)
        pixelAccuracy = try c.decode(Double.self, forKey: .pixelAccuracy)
        meanAccuracy = try c.decodeIfPresent(Double.self, forKey: .meanAccuracy) ?? 0
        meanDice = try c.decodeIfPresent(Double.self, forKey: .meanDice) ?? 0
        frequencyWeightedIoU = try c.decodeIfPresent(Double.self, forKey: .frequencyWeightedIoU) ?? 0
        confusion = try c.decodeIfPresent([[UInt64]].self, forKey: .confusion) ?? []
        perClass = try c.decode([ClassIoU].self, forKey: .perClass)
        images = try c.decode(Int.self, forKey: .images)
        dataset = try c.decode(String.self, forKey: .dataset)
        timing = try c.decodeIfPresent(Timing.self, forKey: .timing)
    }

    public init(matrix: ConfusionMatrix, classNames: [String], images: Int, dataset: String) {
        miou = matrix.meanIoU
        pixelAccuracy = matrix.pixelAccuracy
        meanAccuracy = matrix.meanAccuracy
        meanDice = matrix.meanDice
        frequencyWeightedIoU = matrix.frequencyWeightedIoU
        confusion = matrix.rows
        let (iou, accuracy, dice) = (matrix.iou, matrix.accuracy, matrix.dice)
        perClass = classNames.indices.map { ClassIoU(name: classNames[$0], iou: iou[$0], accuracy: accuracy[$0], dice: dice[$0]) }
        self.images = images
        self.dataset = dataset
    }

    /// A terminal table: one row per class, then mIoU and pixel accuracy.
    public func table() -> String {
        func cell(_ v: Double?) -> String { v.map { String(format: "%6.2f", 100 * $0) } ?? "     -" }
        var lines = ["\(dataset): \(images) images", "class                 IoU     Acc    Dice"]
        for c in perClass {
            lines.append(c.name.padding(toLength: 20, withPad: " ", startingAt: 0) + cell(c.iou) + "  " + cell(c.accuracy) + "  " + cell(c.dice))
        }
        lines.append(String(format: "mIoU                %6.2f", 100 * miou))
        lines.append(String(format: "mAcc                %6.2f", 100 * meanAccuracy))
        lines.append(String(format: "mDice               %6.2f", 100 * meanDice))
        lines.append(String(format: "fwIoU               %6.2f", 100 * frequencyWeightedIoU))
        lines.append(String(format: "pixel accuracy      %6.2f", 100 * pixelAccuracy))
        if let t = timing {
            let plans = t.plansBuilt == 0 ? "" : String(format: "; %d plan(s) built in %.0f ms", t.plansBuilt, t.planBuildMs)
            lines.append(String(format: "per image: %.1f ms reading, %.1f ms predicting (%@%@)",
                                t.readMsPerImage, t.predictMsPerImage, t.path, plans))
        }
        return lines.joined(separator: "\n")
    }

    public func json() throws -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: try e.encode(self), as: UTF8.self)
    }
}
