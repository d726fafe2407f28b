import Foundation
import XCTest
import HardEngine
import HardModels
import HardTrain
@testable import HardDeploy

/// `hard mcu fit` on a tiny search: two HARD-Edge sizes priced in the firmware by the cycle
/// model, a budget between them, the fitting one trained for a few iterations on a small
/// SynthStreets and measured again; its config comes back as a loadable training config.
final class FitTests: XCTestCase {
    func testFitRanksByTheCycleModelTrainsTheFittingOneAndWritesItsConfig() throws {
        let fm = FileManager.default
        let tmp = fm.temporaryDirectory.appendingPathComponent("hard-fit-\(UUID().uuidString)")
        try fm.createDirectory(at: tmp, withIntermediateDirectories: true)
        defer { try? fm.removeItem(at: tmp) }
        let config = tmp.appendingPathComponent("data.yaml").path
        try """
        model: hard-edge
        dataset: {kind: synthstreets, synth_train_images: 16, synth_val_images: 4, synth_width: 64, synth_height: 64}
        iterations: 3
        batch_size: 4
        crop_height: 64
        crop_width: 64
        """.write(toFile: config, atomically: true, encoding: .utf8)
        // The smallest candidate (w0.50, one block, one SA block) costs 14.8 ms at 216 MHz by
        // the cycle model, two SA blocks 19.0 ms (docs/microcontroller.md): a 17 ms budget
        // splits them, with room for about 10% of kernel change either way.
        let s = McuFit.Settings(budgetMs: 17, mhz: 216, flashBytes: 1 << 20, sramBytes: 320 << 10, height: 64, width: 64,
                                config: config, widths: [0.5], stageBlocks: [1], saBlocks: [1, 2], train: 1, iterations: 3,
                                output: tmp.appendingPathComponent("fit").path,
                                firmware: FirmwareTests.root.appendingPathComponent("Firmware").path)
        let r = try McuFit.run(s, log: { _ in })
        XCTAssertEqual(r.candidates.map(\.name), ["w0.50-b1-sa1", "w0.50-b1-sa2"])
        let (small, large) = (r.candidates[0], r.candidates[1])
        XCTAssertLessThan(small.macs, large.macs)
        XCTAssertLessThan(try XCTUnwrap(small.estimatedMs), try XCTUnwrap(large.estimatedMs))
        XCTAssertTrue(small.fits, "\(small.misses)")
        XCTAssertEqual(large.misses.count, 1)
        XCTAssertTrue(large.misses.first?.contains("ms > 17.0 ms") == true, "\(large.misses)")
        XCTAssertTrue(small.trained && !large.trained)
        XCTAssertEqual(small.bitExact, true)
        XCTAssertNotNil(small.int8Miou)
        XCTAssertTrue(small.pareto && !large.pareto, "once trained, the front is over the trained candidates (ms, int8 mIoU)")
        XCTAssertEqual(r.chosen, "w0.50-b1-sa1")
        let ck = try XCTUnwrap(small.checkpoint)
        XCTAssertEqual(try Checkpoint.info(at: ck).architecture, McuFit.architecture(width: 0.5, stageBlocks: 1, saBlocks: 1))
        let chosen = try TrainConfig.load(try XCTUnwrap(r.chosenConfig))
        XCTAssertEqual(chosen.architecture, small.architecture)
        XCTAssertEqual(chosen.dataset.synthTrainImages, 16, "the chosen config keeps the data it was sized on")
        let table = try String(contentsOfFile: s.output + "/fit.md", encoding: .utf8)
        XCTAssertTrue(table.contains("| w0.50-b1-sa1 (chosen) |"), table)
    }

    /// Without --config the fit trains with configs/synthstreets-edge.yaml's recipe.
    func testDefaultRecipeIsTheEdgeConfigs() throws {
        let s = McuFit.Settings(budgetMs: 30.1, mhz: 216, flashBytes: 1 << 20, sramBytes: 320 << 10, height: 64, width: 64,
                                config: nil, widths: [1], stageBlocks: [2], saBlocks: [3], train: 0, iterations: nil,
                                output: "unused", firmware: "unused")
        var fit = try McuFit.trainingConfig(s)
        var edge = try TrainConfig.load(FirmwareTests.root.appendingPathComponent("configs/synthstreets-edge.yaml").path)
        // What the fit sets itself: the output folder per candidate, no TensorBoard.
        fit.output = edge.output
        edge.tensorboard = false
        XCTAssertEqual(fit, edge)
    }

    /// The shipped hard-edge-rt is the search's w0.75-b1-sa1, built as the fit builds it.
    func testShippedEdgeRTIsTheFitsCandidate() {
        XCTAssertEqual(Zoo.edgeRT, McuFit.architecture(width: 0.75, stageBlocks: 1, saBlocks: 1))
        XCTAssertEqual(Zoo.resolve("hard-edge-rt")?.variant, .edge)
        // What `hard mcu run`'s report calls each.
        XCTAssertEqual(Zoo.name(of: Zoo.make(.edge, classes: 11, architecture: Zoo.edgeRT)), "hard-edge-rt")
        XCTAssertEqual(Zoo.name(of: Zoo.make(.edge, classes: 11)), "hard-edge")
        let small = McuFit.architecture(width: 0.5, stageBlocks: 1, saBlocks: 1)
        XCTAssertEqual(Zoo.name(of: Zoo.make(.edge, classes: 11, architecture: small)), "hard-edge-resized")
    }
}
