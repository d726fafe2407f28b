import XCTest
import HardData
import HardEngine
import HardModels
@testable import HardTrain

/// `hard eval`, `hard segment`, validation and the demo predict on the fast plan; its class
/// maps and mIoU are the op-by-op path's up to float rounding, and one plan serves every image
/// of a size.
/// A seeded 11-class HARD-XXS with non-trivial batch-norm statistics (so that the fold in the
/// plan's graph matters), in training mode; the predictor tests' model.
func seededXXS() -> HARDNetwork {
    let m = Zoo.make(.xxs, classes: SynthStreets.classNames.count, seed: 4)
    var rng = SeededGenerator(seed: 8)
    for _ in 0..<2 { _ = withNoGrad { m.outputs(Tensor.normal([2, 3, 48, 64], generator: &rng)) } }
    return m
}

final class PredictorTests: XCTestCase {
    func model() -> HARDNetwork { seededXXS() }

    func testFastPlanEvaluationEqualsTheOpByOpPath() throws {
        try XCTSkipUnless(OneDNN.isAvailable, "oneDNN is not available")
        let m = model()
        let set = SynthStreets(split: .val, count: 4, width: 64, height: 48, seed: 3)
        let fast = try Evaluator.evaluate(m, on: set, path: .fastPlan)
        let slow = try Evaluator.evaluate(m, on: set, path: .opByOp)
        XCTAssertEqual(fast.timing?.path, "blocked-nChw8c")
        XCTAssertEqual(slow.timing?.path, "op-by-op")
        XCTAssertEqual(fast.timing?.plansBuilt, 1, "one plan for four images of one size")
        XCTAssertEqual(fast.miou, slow.miou, accuracy: 1e-3)
        XCTAssertEqual(fast.pixelAccuracy, slow.pixelAccuracy, accuracy: 1e-3)
        XCTAssertTrue(m.isTraining, "evaluation restores the model's mode")
        // Pixel by pixel: only argmax near-ties may differ.
        let fastP = Predictor(m, path: .fastPlan), slowP = Predictor(m, path: .opByOp)
        var differ = 0, total = 0
        for i in 0..<set.count {
            let (image, _) = try set.sample(i)
            for size in [nil, (height: 40, width: 56)] as [(height: Int, width: Int)?] {
                let a = try fastP.predict(image, inputSize: size), b = try slowP.predict(image, inputSize: size)
                XCTAssertEqual(a.width, image.width)
                differ += zip(a.values, b.values).filter { $0 != $1 }.count
                total += a.values.count
            }
        }
        XCTAssertLessThanOrEqual(Double(differ) / Double(total), 1e-3, "\(differ) of \(total) pixels differ")
        XCTAssertEqual(fastP.plansBuilt, 2, "one plan per input size, reused")
    }
}
