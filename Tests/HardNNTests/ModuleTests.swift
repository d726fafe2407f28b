import XCTest
import HardEngine
@testable import HardNN

final class Block: Module {
    let conv: Conv2d
    let bn: BatchNorm2d
    let stages: [Module]

    init(_ rng: inout SeededGenerator) {
        conv = Conv2d(3, 4, kernel: 3, generator: &rng)
        bn = BatchNorm2d(4)
        stages = [Conv2d(4, 4, kernel: 1, bias: false, generator: &rng), ReLU6()]
    }

    override func forward(_ x: Tensor) -> Tensor { stages.reduce(bn(conv(x))) { $1($0) } }
}

final class ModuleTests: XCTestCase {
    func testParameterKeysFollowPyTorchNaming() {
        var rng = SeededGenerator(seed: 1)
        let m = Block(&rng)
        XCTAssertEqual(m.namedParameters().map(\.0),
                       ["conv.weight", "conv.bias", "bn.weight", "bn.bias", "stages.0.weight"])
        XCTAssertEqual(m.namedBuffers().map(\.0), ["bn.runningMean", "bn.runningVar"])
        XCTAssertEqual(m.parameterCount, 4 * 3 * 9 + 4 + 4 + 4 + 16)
    }

    func testTrainAndEvalReachEveryChild() {
        var rng = SeededGenerator(seed: 1)
        let m = Block(&rng)
        m.eval()
        XCTAssertFalse(m.bn.isTraining)
        XCTAssertFalse(m.stages[1].isTraining)
        m.train()
        XCTAssertTrue(m.bn.isTraining)
    }

    func testLoadByNameCopiesValuesAndRejectsMismatches() throws {
        var rng = SeededGenerator(seed: 1), rng2 = SeededGenerator(seed: 2)
        let a = Block(&rng), b = Block(&rng2)
        XCTAssertNotEqual(a.conv.weight.toArray(), b.conv.weight.toArray())
        try b.load(Dictionary(uniqueKeysWithValues: a.stateDict()))
        XCTAssertEqual(a.conv.weight.toArray(), b.conv.weight.toArray())
        XCTAssertEqual(a.stages[0].namedParameters()[0].1.toArray(), b.stages[0].namedParameters()[0].1.toArray())

        var partial = Dictionary(uniqueKeysWithValues: a.stateDict())
        partial["conv.bias"] = nil
        XCTAssertThrowsError(try b.load(partial)) { XCTAssertEqual($0 as? ModuleError, .missingKeys(["conv.bias"])) }
        var wrong = Dictionary(uniqueKeysWithValues: a.stateDict())
        wrong["conv.bias"] = Tensor.zeros([5])
        XCTAssertThrowsError(try b.load(wrong)) {
            XCTAssertEqual($0 as? ModuleError, .shapeMismatch(key: "conv.bias", expected: [4], found: [5]))
        }
    }

    func testBatchNormUsesRunningStatisticsInEval() {
        let bn = BatchNorm2d(1)
        bn.runningMean.pointer[0] = 2
        bn.runningVar.pointer[0] = 4
        bn.eval()
        let y = bn(Tensor(shape: [1, 1, 1, 2], data: [2, 6]))
        XCTAssertEqual(y.toArray()[0], 0, accuracy: 1e-6)
        XCTAssertEqual(y.toArray()[1], 4 / (4 + 1e-5 as Float).squareRoot(), accuracy: 1e-5)
    }

    func testConvDefaultPaddingKeepsSizeWithDilation() {
        var rng = SeededGenerator(seed: 1)
        let conv = Conv2d(2, 2, kernel: 3, dilation: 6, groups: 2, generator: &rng)
        XCTAssertEqual(conv(Tensor.zeros([1, 2, 45, 80])).shape, [1, 2, 45, 80])
    }
}

final class OptimizerTests: XCTestCase {
    func testAdamWStepMatchesHandComputedValues() {
        // One parameter, two steps, lr 0.1, wd 0.01, defaults otherwise (PyTorch AdamW).
        let p = Tensor(shape: [1], data: [1.0], requiresGrad: true)
        let opt = AdamW(parameters: [p], learningRate: 0.1, weightDecay: 0.01)
        p.grad = Tensor(shape: [1], data: [0.5])
        opt.update()
        // decay: 1 * (1 - 0.001) = 0.999; m^ = 0.5, v^ = 0.25 -> step 0.1 * 0.5 / (0.5 + 1e-8)
        XCTAssertEqual(p.pointer[0], 0.999 - 0.1, accuracy: 1e-6)
        XCTAssertNil(p.grad)
        p.grad = Tensor(shape: [1], data: [-1.0])
        opt.update()
        // m = 0.9*0.05 + 0.1*-1 = -0.055, m^ = -0.055/0.19; v = 0.999*0.00025 + 0.001 = 0.00124975, v^ = v/0.001999
        let mHat: Float = -0.055 / 0.19, vHat: Float = 0.00124975 / (1 - 0.999 * 0.999)
        let expected = (0.899 * 0.999) - 0.1 * mHat / (vHat.squareRoot() + 1e-8)
        XCTAssertEqual(p.pointer[0], expected, accuracy: 1e-5)
        XCTAssertEqual(opt.step, 2)
    }

    func testWarmupCosineFollowsThePapersRecipe() {
        let s = WarmupCosineSchedule(start: 1e-5, peak: 1e-2, end: 1e-5, warmupIterations: 6550, totalIterations: 30000)
        XCTAssertEqual(s.learningRate(at: 0), 1e-5, accuracy: 1e-9)
        XCTAssertEqual(s.learningRate(at: 3275), (1e-5 + 1e-2) / 2, accuracy: 1e-7)
        XCTAssertEqual(s.learningRate(at: 6550), 1e-2, accuracy: 1e-7)
        XCTAssertEqual(s.learningRate(at: 6550 + (30000 - 6550) / 2), (1e-2 + 1e-5) / 2, accuracy: 1e-6)
        XCTAssertEqual(s.learningRate(at: 30000), 1e-5, accuracy: 1e-9)
    }

    func testEngineDemoLearnsTheSyntheticTask() {
        let r = EngineDemo.run(iterations: 60, log: { _ in })
        XCTAssertLessThan(r.lastLoss, r.firstLoss * 0.3)
        XCTAssertGreaterThan(r.validationPixelAccuracy, 0.85)
    }
}
