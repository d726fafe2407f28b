#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import XCTest
import HardData
import HardEngine
import HardModels
@testable import HardTrain

/// What a training run, an evaluation and a segmentation do with their output folder and
/// their counts: one run per folder, no leftovers of killed runs, no endless loops from a
/// negative count, no output that collides with another or with an input.
final class OutputSafetyTests: XCTestCase {
    var dir: String!

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "hard-out-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    func tinyConfig(output: String) -> TrainConfig {
        var c = TrainConfig()
        c.model = "hard-edge"
        c.iterations = 2
        c.batchSize = 1
        c.cropHeight = 32; c.cropWidth = 32
        c.dataset.synthTrainImages = 2; c.dataset.synthValImages = 1
        c.dataset.synthWidth = 32; c.dataset.synthHeight = 32
        c.output = output
        return c
    }

    func trainer(_ c: TrainConfig) throws -> Trainer {
        try Trainer(config: c, trainSet: DatasetFactory.make(c.dataset, split: "train"),
                    valSet: DatasetFactory.make(c.dataset, split: "val"), resume: false)
    }

    func deadPID() throws -> Int32 {
        for pid in [Int32(2_000_000_000), 1_999_999_999] where kill(pid, 0) != 0 && errno == ESRCH { return pid }
        throw XCTSkip("no free process id found")
    }

    // MARK: Training output folder (#11 item 12)

    func testASecondTrainerOnOneOutputFolderIsRefused() throws {
        let c = tinyConfig(output: dir + "/runs/x")
        var first: Trainer? = try trainer(c)
        XCTAssertThrowsError(try trainer(c)) {
            XCTAssertEqual("\($0)", "\(c.output) is in use by another hard train (pid \(getpid()))")
        }
        XCTAssertNotNil(first)
        first = nil
        // Once the first run is over the folder is free again.
        XCTAssertNoThrow(try trainer(c))
    }

    func testStaleTemporariesOfAKilledRunAreRemovedWhenTrainingStarts() throws {
        let out = dir + "/run"
        try Folder.create(out)
        let dead = try deadPID()
        let stale = [".checkpoint.safetensors.tmp-\(dead)-5a", ".best.safetensors.tmp-\(dead)"]
        for name in stale + ["keep.txt"] { FileManager.default.createFile(atPath: out + "/" + name, contents: Data([1])) }
        _ = try trainer(tinyConfig(output: out))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out).sorted(), [".lock", "keep.txt"])
    }

    func testAConfigFileInsideTheOutputCannotBeOverwritten() throws {
        let out = dir + "/run"
        try Folder.create(out)
        let config = out + "/train.jsonl"
        FileManager.default.createFile(atPath: config, contents: Data("model: hard-edge\n".utf8))
        let c = tinyConfig(output: out)
        XCTAssertThrowsError(try Trainer(config: c, trainSet: DatasetFactory.make(c.dataset, split: "train"),
                                         valSet: DatasetFactory.make(c.dataset, split: "val"), resume: false,
                                         inputs: [OutputGuard.Input(config, "the --config file")])) {
            XCTAssertTrue("\($0)".contains("is the --config file"), "\($0)")
        }
        XCTAssertEqual(try String(contentsOfFile: config, encoding: .utf8), "model: hard-edge\n")
    }

    // MARK: Counts below 1 (#11 item 4)

    func testValImagesBelowOneIsRefusedNamingTheKey() throws {
        let path = dir + "/cfg.yaml"
        try "model: hard-edge\nval_images: -1\n".write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try TrainConfig.load(path)) {
            XCTAssertEqual("\($0)", "\(path): 'val_images': must be at least 1 (leave it out for the whole validation set), got -1")
        }
        var c = TrainConfig()
        c.valImages = 0
        XCTAssertThrowsError(try c.validate()) { XCTAssertTrue("\($0)".hasPrefix("'val_images': must be at least 1"), "\($0)") }
    }

    func testEvaluationLimitBelowOneIsAnError() throws {
        let set = SynthStreets(split: .val, count: 2, width: 32, height: 32)
        let model = Zoo.make(.edge, classes: set.classCount)
        for limit in [0, -1, Int.min] {
            XCTAssertThrowsError(try Evaluator.evaluate(model, on: set, limit: limit)) {
                XCTAssertEqual("\($0)", "the image limit must be at least 1, got \(limit)")
            }
        }
        XCTAssertEqual(try Evaluator.evaluate(model, on: set, limit: 1).images, 1)
    }
}
