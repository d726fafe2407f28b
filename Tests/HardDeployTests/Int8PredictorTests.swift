import Foundation
import XCTest
import HardData
import HardEngine
import HardModels
import HardTrain
@testable import HardDeploy

/// `hard segment --int8` and `hard eval --int8`: the host int8 runtime on images of any size,
/// quantized from a model or read from a blob.
final class Int8PredictorTests: XCTestCase {
    func model() -> HARDNetwork {
        let m = Zoo.make(.xxs, classes: SynthStreets.classNames.count, seed: 4)
        var rng = SeededGenerator(seed: 8)
        for _ in 0..<2 { _ = withNoGrad { m.outputs(Tensor.normal([2, 3, 48, 64], generator: &rng)) } }
        m.eval()
        return m
    }

    func testInt8PredictionsFollowTheFloatModelAndTheBlobGivesTheSame() throws {
        let m = model()
        let train = SynthStreets(split: .train, count: 6, width: 64, height: 48, seed: 1)
        let val = SynthStreets(split: .val, count: 3, width: 80, height: 60, seed: 2)   // another size: resized both ways
        let int8 = try Int8Predictor(network: m, height: 48, width: 64, calibration: train, images: 6)
        XCTAssertEqual(int8.inputSize.height, 48)
        XCTAssertTrue(int8.origin.contains("calibrated on 6 images"), int8.origin)
        let float = Predictor(m)
        var agree = 0, total = 0
        for i in 0..<val.count {
            let image = try val.sample(i).image
            let a = int8.predict(image)
            XCTAssertEqual(a.width, 80)
            XCTAssertEqual(a.height, 60)
            let b = try float.predict(image, inputSize: (48, 64))
            agree += zip(a.values, b.values).filter { $0 == $1 }.count
            total += a.values.count
        }
        XCTAssertGreaterThan(Double(agree) / Double(total), 0.85, "int8 agrees with float on \(agree) of \(total) pixels")

        // The blob hard mcu run writes: the same answers.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hard-int8-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let graph = try Graph.trace(m, height: 48, width: 64).inferenceReady()
        var calibrator = RangeCalibrator(valueCount: graph.shapes.count, method: .minMax)
        for i in 0..<6 { calibrator.observe(graph, input: Normalization.batch([try train.sample(i).image])) }
        let blob = dir.appendingPathComponent("model.hrdq").path
        try AtomicFile.write(try Quantizer(graph: graph, calibrator: calibrator).int8Model().blob(), to: blob)
        let fromBlob = try Int8Predictor(blob: blob)
        let image = try val.sample(0).image
        XCTAssertEqual(fromBlob.predict(image).values, int8.predict(image).values)

        // Evaluation through the generic path: the metrics of those class maps.
        let r = try Evaluator.evaluate(on: val, path: int8.origin) { int8.predict($0) }
        XCTAssertEqual(r.images, 3)
        XCTAssertEqual(r.timing?.path, int8.origin)

        // A damaged blob is refused, naming the file.
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: blob)))
        bytes[0] ^= 0xFF
        try AtomicFile.write(bytes, to: blob)
        XCTAssertThrowsError(try Int8Predictor(blob: blob)) { XCTAssertTrue("\($0)".contains(blob), "\($0)") }
    }
}
