import Foundation
import XCTest
import HardEngine
import HardModels
@testable import HardDeploy

/// Every variant's ONNX export passes onnx.checker and ONNX Runtime's logits equal ours
/// (max abs difference ≤ 1e-4). Needs the project's Python venv (`scripts/bootstrap.sh
/// --python`, which `make test` runs): onnx and onnxruntime from Tools/requirements.txt.
final class ONNXExportTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func python() throws -> URL {
        let venv = Self.root.appendingPathComponent(".venv/bin/python")
        guard FileManager.default.isExecutableFile(atPath: venv.path) else {
            XCTFail("no Python venv with onnx/onnxruntime at \(venv.path): run scripts/bootstrap.sh --python (make test does)")
            throw XCTSkip("no venv")
        }
        return venv
    }

    func check(_ v: Variant, height: Int, width: Int, classes: Int) throws {
        let py = try python()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hard-onnx-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = Zoo.make(v, classes: classes, seed: 7)
        // Non-trivial BN statistics so that folding is exercised.
        var rng = SeededGenerator(seed: 1)
        for _ in 0..<2 { _ = withNoGrad { model.outputs(Tensor.normal([2, 3, height, width], generator: &rng)) } }
        let before = model.stateDict().map { $0.1.toArray() }
        let data = try ONNXExporter.export(model, height: height, width: width)   // folds in the graph, not in the model
        XCTAssertTrue(model.isTraining, "the export restores the model's mode")
        XCTAssertEqual(model.stateDict().map { $0.1.toArray() }, before, "the export leaves the model's parameters alone")
        let x = Tensor.normal([1, 3, height, width], generator: &rng)
        model.eval()
        let logits = withNoGrad { model(x) }
        XCTAssertEqual(logits.shape, [1, classes, height, width])
        try data.write(to: dir.appendingPathComponent("m.onnx"))
        try Data(buffer: UnsafeBufferPointer(start: x.pointer, count: x.count)).write(to: dir.appendingPathComponent("in.bin"))
        try Data(buffer: UnsafeBufferPointer(start: logits.pointer, count: logits.count)).write(to: dir.appendingPathComponent("out.bin"))
        let p = Process()
        p.executableURL = py
        p.arguments = [Self.root.appendingPathComponent("Tools/check_onnx.py").path, dir.appendingPathComponent("m.onnx").path,
                       "--input", dir.appendingPathComponent("in.bin").path, "--expected", dir.appendingPathComponent("out.bin").path,
                       "--atol", "1e-4"]
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        p.waitUntilExit()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertEqual(p.terminationStatus, 0, "\(v.rawValue): \(text)")
        XCTAssertTrue(text.contains("\"checker\": \"ok\""), text)
    }

    func testEdgeExportMatchesONNXRuntime() throws { try check(.edge, height: 64, width: 64, classes: 11) }
    func testXXSExportMatchesONNXRuntime() throws { try check(.xxs, height: 45, width: 77, classes: 19) }
    func testXSExportMatchesONNXRuntime() throws { try check(.xs, height: 48, width: 64, classes: 19) }
    func testSExportMatchesONNXRuntime() throws { try check(.s, height: 48, width: 64, classes: 19) }
    func testGPUExportMatchesONNXRuntime() throws { try check(.gpu, height: 96, width: 128, classes: 19) }

    func testExportUsesOnlyStandardOpsAndNamesIO() throws {
        let m = try ONNXExporter.exportModel(Zoo.make(.gpu, classes: 5), height: 64, width: 64)
        let ops = Set(m.graph.node.map(\.opType))
        XCTAssertTrue(ops.isSubset(of: ["Conv", "Relu", "Clip", "Add", "Mul", "Concat", "Slice", "Resize", "AveragePool", "MaxPool",
                                        "GlobalAveragePool", "GlobalMaxPool"]), "\(ops)")
        XCTAssertFalse(ops.contains("BatchNormalization"), "batch norms are folded")
        XCTAssertEqual(m.graph.input.map(\.name), ["input"])
        XCTAssertEqual(m.graph.output.map(\.name), ["logits"])
        XCTAssertEqual(m.opsetImport.first?.version, 17)
    }
}
