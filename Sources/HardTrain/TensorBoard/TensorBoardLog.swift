import Foundation
import HardData
import HardEngine

/// A training run's TensorBoard events file, beside its JSON-lines log (`RunLog`), with
/// the same numbers under these tags:
///
/// - each log interval: `train/loss`, `train/loss_main`, `train/loss_aux`, `train/lr`,
///   `train/images_per_s`;
/// - each validation: `val/mIoU`, `val/pixel_accuracy`, `val/IoU/<class>` (classes absent
///   from labels and predictions left out; spaces and `/` in a name become `_`), and
///   images `val/overlay/<i>` of the first validation images, the prediction (left) and
///   the ground truth (right) over the image; classification runs: `val/top1`, `val/top5`.
///
/// The step is the training iteration. Each run, and each resumption, writes a new file
/// that starts with `SessionLog.START` at the iteration after its checkpoint, so
/// TensorBoard drops what earlier files hold past that point, as the JSON-lines log drops
/// its lines past the checkpoint.
public final class TensorBoardLog {
    /// Overlays per validation: the same first images every time, to watch them improve.
    public static let overlayCount = 2
    /// Each half of an overlay is at most this wide (a 2048-pixel Cityscapes frame would
    /// make megabytes of PNG per validation).
    public static let overlayWidth = 320

    let writer: TensorBoardWriter
    /// The events file.
    public var path: String { writer.path }
    /// What `keep` holds from the running validation.
    private var samples: [(index: Int, image: RGBImage, truth: LabelMap, predicted: LabelMap)] = []

    /// A new events file in `folder` for a run at `iteration` (0, or the checkpoint's
    /// iteration when resuming).
    public init(folder: String, startingAt iteration: Int, now: Date = Date(),
                hostname: String = TensorBoardWriter.hostname()) throws {
        writer = try TensorBoardWriter(folder: folder, now: now, hostname: hostname)
        // Points at the checkpoint's iteration were logged from the same weights, so keep them.
        try writer.addSessionStart(step: iteration + 1, wallTime: now)
    }

    /// The scalars of one log line; a validation's line also flushes the file.
    public func append(_ entry: LogEntry) throws {
        try writer.addScalars(Self.scalars(entry), step: entry.iteration)
        if entry.kind == "val" { try writer.flush() }
    }

    /// A segmentation validation: the scalars of its log line, the per-class IoU of
    /// `result`, and the overlays of the images `keep` held, coloured with `palette`.
    public func append(_ entry: LogEntry, validation result: EvaluationResult, palette: [RGBColor]) throws {
        var values = Self.scalars(entry)
        for c in result.perClass { if let iou = c.iou { values.append(("val/IoU/" + Self.tagPart(c.name), iou)) } }
        try writer.addScalars(values, step: entry.iteration)
        defer { samples = [] }
        for s in samples {
            let picture = Self.overlay(image: s.image, truth: s.truth, predicted: s.predicted, palette: palette)
            let png = try ImageFile.encodePNG(picture)
            try writer.addImage(tag: "val/overlay/\(s.index)", png: png, width: picture.width, height: picture.height,
                                step: entry.iteration)
        }
        try writer.flush()
    }

    /// For `Evaluator.evaluate(onPrediction:)`: keeps the first `overlayCount` images of
    /// a validation for `append(_:validation:palette:)`.
    public func keep(_ index: Int, _ image: RGBImage, _ truth: LabelMap, _ predicted: LabelMap) {
        if index < Self.overlayCount { samples.append((index, image, truth, predicted)) }
    }

    static func scalars(_ e: LogEntry) -> [(tag: String, value: Double)] {
        let prefix = e.kind == "val" ? "val/" : "train/"
        let named: [(String, Double?)] = [
            ("loss", e.loss), ("loss_main", e.lossMain), ("loss_aux", e.lossAux), ("lr", e.learningRate),
            ("images_per_s", e.imagesPerSecond), ("mIoU", e.valMIoU), ("pixel_accuracy", e.valPixelAccuracy),
            ("top1", e.valTop1), ("top5", e.valTop5),
        ]
        return named.compactMap { name, value in value.map { (prefix + name, $0) } }
    }

    /// A class name as one part of a tag: `/` would nest it in TensorBoard's tag groups.
    static func tagPart(_ name: String) -> String {
        String(name.map { $0 == "/" || $0.isWhitespace ? "_" : $0 })
    }

    /// Prediction and ground truth over the image, side by side with a 2-pixel black gap,
    /// each at most `overlayWidth` wide. image: (H, W) RGB; truth, predicted: (H, W).
    static func overlay(image: RGBImage, truth: LabelMap, predicted: LabelMap, palette: [RGBColor]) -> RGBImage {
        let w = min(image.width, overlayWidth)
        let h = max(1, Int((Double(image.height) * Double(w) / Double(image.width)).rounded()))
        let small = Resampling.resize(image, width: w, height: h)
        let left = Segmenter.overlay(small, Resampling.resize(predicted, width: w, height: h), palette: palette, opacity: 0.6)
        let right = Segmenter.overlay(small, Resampling.resize(truth, width: w, height: h), palette: palette, opacity: 0.6)
        let gap = 2, width = 2 * w + gap
        var pixels = [UInt8](repeating: 0, count: width * h * 3)
        for y in 0..<h {
            pixels.replaceSubrange((y * width) * 3 ..< (y * width + w) * 3, with: left.pixels[(y * w) * 3 ..< (y * w + w) * 3])
            pixels.replaceSubrange((y * width + w + gap) * 3 ..< (y * width + width) * 3,
                                   with: right.pixels[(y * w) * 3 ..< (y * w + w) * 3])
        }
        return RGBImage(width: width, height: h, pixels: pixels)
    }
}
