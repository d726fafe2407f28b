import Foundation
import XCTest
import HardEngine
import HardModels
import HardNN
import HardData
@testable import HardTrain

/// Resume states and configuration files that are damaged or contradict themselves are
/// refused with a message naming the file and the problem (issue 11).
final class DamagedInputTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("hard-damaged-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    func assertRefused(_ file: String, _ text: String, line: UInt = #line, _ body: () throws -> Void) {
        XCTAssertThrowsError(try body(), line: line) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains(file), "should name \(file): \(message)", line: line)
            XCTAssertTrue(message.contains(text), "should say \(text): \(message)", line: line)
        }
    }

    /// Writes a state with the given iteration, Adam step and best mIoU, then loads it back.
    func roundTrip(iteration: Int, step: Int, best: Double) throws {
        var config = TrainConfig()
        config.model = "hard-edge"
        config.iterations = 100
        let model = Zoo.make(.edge, classes: 11)
        let optimizer = AdamW(parameters: model.parameters(), learningRate: 1e-3, weightDecay: 1e-4)
        optimizer.restore(step: step)
        let file = path("checkpoint.safetensors")
        try TrainingState.save(model: model, optimizer: optimizer,
                               state: TrainingState(iteration: iteration, bestMIoU: best, config: config), to: file)
        let fresh = Zoo.make(.edge, classes: 11)
        _ = try TrainingState.load(from: file, model: fresh, optimizer: AdamW(parameters: fresh.parameters(), learningRate: 1e-3, weightDecay: 1e-4))
    }

    func testImpossibleResumeStatesAreRefused() throws {
        XCTAssertNoThrow(try roundTrip(iteration: 40, step: 40, best: 0.31))
        XCTAssertNoThrow(try roundTrip(iteration: 0, step: 0, best: -1))
        let file = path("checkpoint.safetensors")
        assertRefused(file, "iteration -5 is outside the run's 0...100") { try roundTrip(iteration: -5, step: 0, best: -1) }
        assertRefused(file, "iteration 101 is outside") { try roundTrip(iteration: 101, step: 101, best: 0.2) }
        assertRefused(file, "AdamW step -3 is impossible") { try roundTrip(iteration: 10, step: -3, best: 0.2) }
        assertRefused(file, "best_miou nan") { try roundTrip(iteration: 10, step: 10, best: .nan) }
        assertRefused(file, "best_miou 7.0") { try roundTrip(iteration: 10, step: 10, best: 7) }
    }

    /// Regression: `hard eval` / `hard segment --input-size` far beyond the machine ended in
    /// "Fatal error: failed to allocate"; now the memory estimate refuses it before the resize.
    func testAnInputSizeBeyondTheMachineIsAnErrorNotACrash() throws {
        let model = Zoo.make(.gpu, classes: 19)
        let size = (height: 16384, width: 16384)
        let needed = MemoryEstimate.bytes(.inference, variant: .gpu, classes: 19, height: size.height, width: size.width)
        if needed <= SystemMemory.availableBytes() { throw XCTSkip("this machine has \(SystemMemory.availableBytes()) bytes free, enough for the pass") }
        let image = RGBImage(width: 32, height: 32, fill: (90, 90, 90))
        let before = TensorStorage.liveBytes
        XCTAssertThrowsError(try Evaluator.predict(model, image, inputSize: size)) { error in
            XCTAssertTrue("\(error)".contains("hard-gpu inference at 16384x16384 needs"), "\(error)")
            XCTAssertTrue(error is MemoryError)
        }
        XCTAssertLessThan(TensorStorage.liveBytes - before, 1 << 20)
    }

    func testDuplicateConfigKeysAreRefusedNamingTheKey() throws {
        let yaml = path("dup.yaml")
        try "model: hard-edge\niterations: 10\niterations: 2000\n".write(toFile: yaml, atomically: true, encoding: .utf8)
        assertRefused(yaml, "key 'iterations' appears twice") { _ = try TrainConfig.load(yaml) }

        let nested = path("nested.yaml")
        try "dataset:\n  kind: synthstreets\n  synth_width: 64\n  synth_width: 96\n".write(toFile: nested, atomically: true, encoding: .utf8)
        assertRefused(nested, "key 'dataset.synth_width' appears twice") { _ = try TrainConfig.load(nested) }

        let json = path("dup.json")
        try #"{"model": "hard-edge", "batch_size": 2, "batch_size": 4}"#.write(toFile: json, atomically: true, encoding: .utf8)
        assertRefused(json, "key 'batch_size' appears twice") { _ = try TrainConfig.load(json) }

        let fine = path("fine.yaml")
        try "model: hard-edge\niterations: 10\ndataset:\n  kind: synthstreets\n".write(toFile: fine, atomically: true, encoding: .utf8)
        XCTAssertEqual(try TrainConfig.load(fine).iterations, 10)
    }
}
