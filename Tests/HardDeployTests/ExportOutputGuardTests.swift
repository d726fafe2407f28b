import Foundation
import XCTest
import HardEngine
import HardModels
@testable import HardDeploy

/// `hard export onnx --checkpoint ck.safetensors -o ck.safetensors` (or `-o ck.json`) used to
/// replace the checkpoint with the graph and report success; now it is refused and the
/// checkpoint is left byte for byte as it was.
final class ExportOutputGuardTests: XCTestCase {
    var folder: String!

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "hard-export-guard-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: folder) }

    func testExportOverTheCheckpointOrItsJSONIsRefusedAndLeavesThemUnchanged() throws {
        let ck = folder + "/ck.safetensors", json = folder + "/ck.json"
        let model = Zoo.make(.edge, classes: 3)
        try Checkpoint.save(model, to: ck)
        let before = try Data(contentsOf: URL(fileURLWithPath: ck)), jsonBefore = try Data(contentsOf: URL(fileURLWithPath: json))
        for output in [ck, folder + "/./ck.safetensors", json] {
            XCTAssertThrowsError(try ONNXExporter.write(model, height: 32, width: 32, to: output, checkpoint: ck)) { error in
                XCTAssertEqual((error as? FileError)?.file, output)
                XCTAssertTrue("\(error)".contains("writing it would destroy an input, choose another output"), "\(error)")
            }
        }
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: ck)), before)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: json)), jsonBefore)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder).sorted(), ["ck.json", "ck.safetensors"])
    }

    func testExportBesideTheCheckpointIsWritten() throws {
        let ck = folder + "/ck.safetensors"
        let model = Zoo.make(.edge, classes: 3)
        try Checkpoint.save(model, to: ck)
        let bytes = try ONNXExporter.write(model, height: 32, width: 32, to: folder + "/ck.onnx", checkpoint: ck)
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: folder + "/ck.onnx")[.size] as? Int, bytes)
    }
}
