import Foundation
import HardData
import HardEngine
import HardModels
import HardTrain

/// Segments images with the int8 model on the host (`hard segment --int8`, `hard eval --int8`):
/// HardMicro's runtime, the code the firmware runs, so users see the int8 results before
/// flashing. The int8 model has one input size; each image is resized to it (bilinear) and
/// the class map resized back to the image (nearest), as the firmware's caller would do.
public final class Int8Predictor {
    public let executor: Int8Executor
    /// Where the int8 model came from, for the timing line ("int8 (quantized on 32 images)").
    public let origin: String

    /// Quantizes `network` at height x width: batch norms folded in the traced graph, ranges
    /// calibrated on the first `images` of `calibration` (resized to that size), per-channel
    /// int8 weights, TFLite-style requantization (`Quantizer`).
    public convenience init(network: HARDNetwork, height: Int, width: Int, calibration: SegmentationDataset, images: Int = 32,
                            method: CalibrationMethod = .minMax) throws {
        let n = min(images, calibration.count)
        try self.init(network: network, height: height, width: width, calibrationImages: try (0..<n).map { try calibration.sample($0).image },
                      method: method, describing: "\(n) images of \(calibration.name)")
    }

    /// The same, calibrated on `calibrationImages` (`hard segment --int8`: the inputs themselves).
    public init(network: HARDNetwork, height: Int, width: Int, calibrationImages: [RGBImage], method: CalibrationMethod = .minMax,
                describing what: String? = nil) throws {
        guard !calibrationImages.isEmpty else { throw ExportError(message: "int8: no images to calibrate on") }
        let graph = try Graph.trace(network, height: height, width: width).inferenceReady()
        try Quantizer.check(graph)
        var calibrator = RangeCalibrator(valueCount: graph.shapes.count, method: method)
        for image in calibrationImages {
            calibrator.observe(graph, input: Normalization.batch([Resampling.resize(image, width: width, height: height)]))
        }
        let blob = try Quantizer(graph: graph, calibrator: calibrator).int8Model().blob()
        executor = try Int8Executor(blob: blob, source: "the int8 model of \(network.variant.rawValue)")
        origin = "int8 host runtime, \(height)x\(width), calibrated on \(what ?? "\(calibrationImages.count) images") (\(method))"
    }

    /// An int8 blob as `hard mcu run` writes it (`model.hrdq`), validated before use.
    public init(blob path: String) throws {
        executor = try Int8Executor(contentsOf: path)
        let s = executor.inputShape
        origin = "int8 host runtime, \(s.height)x\(s.width), blob \(path)"
    }

    public var inputSize: (height: Int, width: Int) { executor.inputShape }

    /// The class map (the image's size) of `image`.
    public func predict(_ image: RGBImage) -> LabelMap {
        let (h, w) = executor.inputShape
        let sized = Resampling.resize(image, width: w, height: h)
        let classes = LabelMap(width: w, height: h, values: executor.classMap(rgb: sized.pixels))
        return Resampling.resize(classes, width: image.width, height: image.height)
    }
}
