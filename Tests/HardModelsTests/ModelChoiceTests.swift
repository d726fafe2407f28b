import Foundation
import XCTest
import HardEngine
@testable import HardModels

/// `--model` / `--classes` beside `--checkpoint`: accepted when they agree with the
/// checkpoint, refused with a message when they do not (they used to be ignored).
final class ModelChoiceTests: XCTestCase {
    var folder: String!

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "hard-choice-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: folder) }

    func testModelOrClassesThatContradictTheCheckpointAreRefused() throws {
        let ck = folder + "/edge.safetensors"
        try Checkpoint.save(Zoo.make(.edge, classes: 3), to: ck)
        XCTAssertThrowsError(try ModelChoice.make(model: "hard-s", classes: nil, checkpoint: ck, defaultClasses: 19)) {
            XCTAssertEqual("\($0)", "--model hard-s conflicts with the checkpoint's hard-edge (\(ck)); drop --model")
        }
        XCTAssertThrowsError(try ModelChoice.make(model: nil, classes: 19, checkpoint: ck, defaultClasses: 19)) {
            XCTAssertEqual("\($0)", "--classes 19 conflicts with the checkpoint's 3 classes (\(ck)); drop --classes")
        }
        // Agreeing values (in any spelling Variant accepts) are fine; the checkpoint decides.
        let net = try ModelChoice.make(model: "edge", classes: 3, checkpoint: ck, defaultClasses: 19)
        XCTAssertEqual(net.variant, .edge)
        XCTAssertEqual(net.classes, 3)
    }

    func testWithoutACheckpointTheFlagsOrDefaultsDecide() throws {
        XCTAssertEqual(try ModelChoice.make(model: nil, classes: nil, checkpoint: nil, defaultModel: "hard-edge", defaultClasses: 11).classes, 11)
        XCTAssertThrowsError(try ModelChoice.make(model: nil, classes: nil, checkpoint: nil, defaultClasses: 19)) {
            XCTAssertEqual("\($0)", "give --model or --checkpoint")
        }
        XCTAssertThrowsError(try ModelChoice.make(model: "hard-q", classes: nil, checkpoint: nil, defaultClasses: 19)) {
            XCTAssertTrue("\($0)".hasPrefix("--model: unknown model 'hard-q'; one of hard-gpu"), "\($0)")
        }
        XCTAssertThrowsError(try ModelChoice.checkClasses(0)) { XCTAssertTrue("\($0)".hasPrefix("--classes must be 1..."), "\($0)") }
        XCTAssertThrowsError(try ModelChoice.checkClasses(Zoo.classRange.upperBound + 1))
    }
}
