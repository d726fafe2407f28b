import Foundation
import XCTest
import HardEngine
import HardModels
import HardNN
@testable import HardTrain

/// A training run killed with SIGKILL and resumed loses at most the iterations since the
/// last checkpoint, never finds a corrupt checkpoint, and ends with exactly the weights of a
/// run that was never interrupted (same LR step, same data order).
final class ResumeAfterKillTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("hard-resume-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    /// The `hard` executable built beside the test bundle.
    func hardBinary() throws -> URL {
        let bundle = Bundle.main.bundleURL
        for dir in [bundle.deletingLastPathComponent(), bundle, bundle.deletingLastPathComponent().deletingLastPathComponent()] {
            let candidate = dir.appendingPathComponent("hard")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        throw XCTSkip("the hard executable is not built next to the tests (\(bundle.path)); run `swift build` first")
    }

    func config(output: String) throws -> String {
        let text = """
        model: hard-edge
        iterations: 24
        batch_size: 2
        crop_height: 32
        crop_width: 32
        checkpoint_interval: 4
        val_interval: 12
        val_images: 2
        log_interval: 1
        seed: 3
        output: \(output)
        dataset:
          kind: synthstreets
          synth_train_images: 12
          synth_val_images: 2
          synth_width: 48
          synth_height: 40
        """
        let path = folder.appendingPathComponent("config-\(UUID().uuidString).yaml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func launch(_ args: [String]) throws -> Process {
        let p = Process()
        p.executableURL = try hardBinary()
        p.arguments = args
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        return p
    }

    func testKilledRunResumesToTheSameWeights() throws {
        let straight = folder.appendingPathComponent("straight").path
        let killed = folder.appendingPathComponent("killed").path
        let a = try launch(["train", "--config", try config(output: straight)])
        a.waitUntilExit()
        XCTAssertEqual(a.terminationStatus, 0)

        let cfg = try config(output: killed)
        let b = try launch(["train", "--config", cfg])
        let log = killed + "/train.jsonl"
        let deadline = Date().addingTimeInterval(120)
        // Kill between checkpoints: after iteration 10 is logged (checkpoints at 4 and 8).
        while Date() < deadline {
            if let entries = try? RunLog.read(log), entries.contains(where: { $0.iteration >= 10 }) { break }
            usleep(2000)
        }
        kill(b.processIdentifier, SIGKILL)
        b.waitUntilExit()
        XCTAssertEqual(b.terminationReason, .uncaughtSignal)

        // The state on disk is complete and at most one checkpoint interval behind.
        let data = try XCTUnwrap(FileManager.default.contents(atPath: killed + "/checkpoint.safetensors"))
        let (_, metadata) = try SafeTensors.decode(data)
        let savedAt = try XCTUnwrap(metadata["iteration"].flatMap(Int.init))
        XCTAssertTrue(savedAt >= 8 && savedAt < 24, "checkpoint at \(savedAt)")

        let c = try launch(["train", "--config", cfg, "--resume"])
        c.waitUntilExit()
        XCTAssertEqual(c.terminationStatus, 0)

        let x = try Checkpoint.load(straight + "/last.safetensors").stateDict()
        let y = try Checkpoint.load(killed + "/last.safetensors").stateDict()
        XCTAssertEqual(x.map(\.0), y.map(\.0))
        var worst: Double = 0
        for ((_, s), (_, t)) in zip(x, y) { worst = max(worst, OpChecks.relativeError(t.toArray(), s.toArray())) }
        XCTAssertEqual(worst, 0, "resumed weights differ from the uninterrupted run (max relative difference \(worst))")

        // The log covers every iteration once.
        let trainIterations = try RunLog.read(log).filter { $0.kind == "train" }.map(\.iteration)
        XCTAssertEqual(trainIterations, Array(1...24))
    }
}
