import Foundation
import HardData
import HardEngine
import HardMicro
import HardModels
import HardTrain

/// What to quantize and with which data.
public struct MicroQuantizationOptions {
    public var height = 64
    public var width = 64
    public var calibrationImages = 32
    public var method: CalibrationMethod = .minMax
    public var evaluationImages = 50
    /// Calibration (train split) and evaluation (val split) data at the model's input size.
    public var dataset: DatasetConfig

    public init(height: Int = 64, width: Int = 64, dataset: DatasetConfig? = nil) {
        self.height = height
        self.width = width
        var d = dataset ?? DatasetConfig()
        if dataset == nil {
            // SynthStreets rendered at the model's input size (CamVid's 11 classes).
            d.kind = "synthstreets"
            d.synthWidth = width
            d.synthHeight = height
            d.synthTrainImages = 64
            d.synthValImages = 50
        }
        self.dataset = d
    }
}

/// The quantized model and how it compares with the float one.
public struct MicroQuantizationResult {
    public var model: Int8Model
    public var blob: [UInt8]
    public var floatMIoU: Double
    public var int8MIoU: Double
    public var evaluatedImages: Int
    /// Pixels where the int8 runtime's class equals the float model's.
    public var agreementWithFloat: Double
    /// Pixels where it equals the fake-quantized float simulation's.
    public var agreementWithFakeQuant: Double
    /// Largest |int8 logit - fake-quantized logit|, in output steps.
    public var maxLogitStepsFromFakeQuant: Double
    /// The first evaluation image (RGB bytes) and the host int8 executor's answers for it.
    public var testImage: RGBImage
    public var expectedClassMap: [UInt8]
    public var expectedLogits: [Int8]
    public var arenaBytes: Int
    public var scratchBytes: Int
}

public enum MicroQuantization {
    /// Traces `network` at the input size (BNs folded in the graph), calibrates on training images,
    /// quantizes, then evaluates float and int8 (host executor) on validation images.
    public static func run(_ network: HARDNetwork, options o: MicroQuantizationOptions,
                           log: (String) -> Void = { _ in }) throws -> MicroQuantizationResult {
        let graph = try Graph.trace(network, height: o.height, width: o.width).inferenceReady()
        try Quantizer.check(graph)
        let train = try DatasetFactory.make(o.dataset, split: o.dataset.trainSplit)
        let val = try DatasetFactory.make(o.dataset, split: o.dataset.valSplit)
        guard train.classCount == network.classes else {
            throw ExportError(message: "the model has \(network.classes) classes, \(train.name) has \(train.classCount)")
        }
        func sized(_ d: SegmentationDataset, _ i: Int) throws -> (RGBImage, LabelMap) {
            let (image, labels) = try d.sample(i)
            if image.width == o.width && image.height == o.height { return (image, labels) }
            return (Resampling.resize(image, width: o.width, height: o.height),
                    Resampling.resize(labels, width: o.width, height: o.height))
        }
        var calibrator = RangeCalibrator(valueCount: graph.shapes.count, method: o.method)
        let nCal = min(o.calibrationImages, train.count)
        guard nCal >= 1 else { throw ExportError(message: "\(train.name) has no images to calibrate on") }
        for i in 0..<nCal { calibrator.observe(graph, input: Normalization.batch([try sized(train, i).0])) }
        log("calibrated on \(nCal) images of \(train.name) (\(o.method))")

        let quantizer = Quantizer(graph: graph, calibrator: calibrator)
        let int8 = try quantizer.int8Model()
        let blob = int8.blob()
        let executor = try Int8Executor(blob: blob, source: "quantized model")

        var floatMatrix = ConfusionMatrix(classes: network.classes), int8Matrix = floatMatrix
        var agreeFloat = 0, agreeFake = 0, pixels = 0
        var maxSteps = 0.0
        let nVal = min(o.evaluationImages, val.count)
        guard nVal >= 1 else { throw ExportError(message: "\(val.name) has no images to evaluate on") }
        var first: (RGBImage, [UInt8], [Int8])?
        // The logits the runtime keeps (int8 tensor t holds float value t - 1).
        let logitsValue = executor.logitsTensor - 1
        let logitsQ = int8.tensors[executor.logitsTensor].quantization
        for i in 0..<nVal {
            let (image, labels) = try sized(val, i)
            let x = Normalization.batch([image])
            let floatLogits = graph.run(x)[graph.output]!
            let floatClasses = Evaluator.argmaxChannels(floatLogits).values
            let fakeValues = quantizer.fakeQuantized(x)
            let fakeClasses = Evaluator.argmaxChannels(fakeValues[graph.output]!).values
            let fake = fakeValues[logitsValue]!
            let classes = executor.classMap(rgb: image.pixels)
            let logits = executor.values(of: executor.logitsTensor)
            if first == nil { first = (image, classes, logits) }
            floatMatrix.add(predictions: floatClasses, labels: labels.values)
            int8Matrix.add(predictions: classes, labels: labels.values)
            for p in 0..<classes.count {
                pixels += 1
                if classes[p] == floatClasses[p] { agreeFloat += 1 }
                if classes[p] == fakeClasses[p] { agreeFake += 1 }
            }
            let (c, h, w) = (fake.shape[1], fake.shape[2], fake.shape[3])
            for p in 0..<(h * w) {
                for k in 0..<c {
                    let diff = abs(Double(logitsQ.dequantize(logits[p * c + k])) - Double(fake.pointer[k * h * w + p]))
                    maxSteps = max(maxSteps, diff / logitsQ.scale)
                }
            }
        }
        let plan = planArena(executor.model)
        return MicroQuantizationResult(
            model: int8, blob: blob, floatMIoU: floatMatrix.meanIoU * 100, int8MIoU: int8Matrix.meanIoU * 100,
            evaluatedImages: nVal, agreementWithFloat: Double(agreeFloat) / Double(pixels),
            agreementWithFakeQuant: Double(agreeFake) / Double(pixels), maxLogitStepsFromFakeQuant: maxSteps,
            testImage: first!.0, expectedClassMap: first!.1, expectedLogits: first!.2,
            arenaBytes: plan.tensorBytes, scratchBytes: plan.scratchBytes)
    }
}
