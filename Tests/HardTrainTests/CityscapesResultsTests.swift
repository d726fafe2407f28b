import Foundation
import XCTest
import HardData
import HardEngine
import HardModels
@testable import HardTrain

/// `hard segment --cityscapes-ids`: labelIds predictions the official Cityscapes evaluator
/// (PyPI cityscapesscripts, in the project venv) takes unchanged, and whose mIoU it computes
/// equal to ours.
final class CityscapesResultsTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    var folder: URL!
    let (height, width) = (32, 64)
    let stems = ["aachen/aachen_000000_000019", "aachen/aachen_000001_000019", "bochum/bochum_000000_000313"]

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("hard-cs-results-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    func path(_ relative: String) throws -> String {
        let url = folder.appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        return url.path
    }

    /// A Cityscapes val split: random images, ground truth in labelIds with every id 0...33
    /// (void ids included) in blocks. Returns the ground truth trainIds per image.
    @discardableResult
    func makeSplit() throws -> [LabelMap] {
        var generator = SeededGenerator(seed: 11)
        var truths: [LabelMap] = []
        for stem in stems {
            let pixels = (0..<(height * width * 3)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            try ImageFile.writePNG(RGBImage(width: width, height: height, pixels: pixels), to: try path("leftImg8bit/val/\(stem)_leftImg8bit.png"))
            // 8x8 blocks of one random id each.
            var ids = [UInt8](repeating: 0, count: height * width)
            for by in 0..<(height / 8) { for bx in 0..<(width / 8) {
                let id = UInt8.random(in: 0...33, using: &generator)
                for y in (by * 8)..<(by * 8 + 8) { for x in (bx * 8)..<(bx * 8 + 8) { ids[y * width + x] = id } }
            } }
            let labelIds = LabelMap(width: width, height: height, values: ids)
            try ImageFile.writeLabelPNG(labelIds, to: try path("gtFine/val/\(stem)_gtFine_labelIds.png"))
            truths.append(try CityscapesDataset.trainIds(fromLabelIds: labelIds, file: stem))
        }
        return truths
    }

    func officialEvaluator(predictions: String) throws -> (miou: Double, pixels: Int) {
        let python = Self.root.appendingPathComponent(".venv/bin/python")
        guard FileManager.default.isExecutableFile(atPath: python.path) else {
            XCTFail("no Python venv at \(python.path): run scripts/bootstrap.sh --python (make test does)")
            throw XCTSkip("no venv")
        }
        let process = Process()
        process.executableURL = python
        process.arguments = [Self.root.appendingPathComponent("Tools/cityscapes_eval.py").path, folder.path, predictions]
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errors = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, errors)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any], String(decoding: data, as: UTF8.self) + errors)
        return (try XCTUnwrap(object["miou"] as? Double), try XCTUnwrap(object["pixels"] as? Int))
    }

    func testTrainIdsMapBackToTheEvaluatedIds() throws {
        let trainIds = LabelMap(width: 21, height: 1, values: (0..<19).map(UInt8.init) + [255, 200])
        let ids = CityscapesDataset.labelIds(fromTrainIds: trainIds)
        XCTAssertEqual(ids.values, [7, 8, 11, 12, 13, 17, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 31, 32, 33, 0, 0])
        XCTAssertEqual(try CityscapesDataset.trainIds(fromLabelIds: ids, file: "x").values, (0..<19).map(UInt8.init) + [255, 255])
        XCTAssertEqual(CityscapesResults.outputName(for: "a/berlin_000000_000019_leftImg8bit.png"), "berlin_000000_000019_pred_labelIds.png")
    }

    func testTheOfficialEvaluatorAgreesWithOurMIoUOnPerturbedPredictions() throws {
        let truths = try makeSplit()
        var generator = SeededGenerator(seed: 5)
        var matrix = ConfusionMatrix(classes: 19)
        for (stem, truth) in zip(stems, truths) {
            // The truth with a third of the pixels changed to a random class (ignored pixels
            // get a class too: a model always predicts one).
            let predicted = truth.values.map { v -> UInt8 in
                v == 255 || Int.random(in: 0..<3, using: &generator) == 0 ? UInt8.random(in: 0..<19, using: &generator) : v
            }
            let prediction = LabelMap(width: width, height: height, values: predicted)
            matrix.add(predictions: prediction.values, labels: truth.values)
            try FileManager.default.createDirectory(at: folder.appendingPathComponent("results"), withIntermediateDirectories: true)
            try CityscapesResults.write(prediction, for: "\(stem)_leftImg8bit.png", into: folder.appendingPathComponent("results").path)
        }
        let official = try officialEvaluator(predictions: folder.appendingPathComponent("results").path)
        XCTAssertEqual(official.pixels, Int(matrix.labelledPixels))
        XCTAssertGreaterThan(matrix.meanIoU, 0.3)
        XCTAssertLessThan(matrix.meanIoU, 0.95)
        XCTAssertEqual(official.miou, matrix.meanIoU, accuracy: 1e-9)
    }

    func testSegmentedFolderPassesTheOfficialEvaluatorWithOurMIoU() throws {
        try makeSplit()
        let model = Zoo.make(.xxs, classes: 19, seed: 3)
        model.eval()
        let inputs = try CityscapesResults.inputs(folder.appendingPathComponent("leftImg8bit/val").path)
        XCTAssertEqual(inputs.map { ($0 as NSString).lastPathComponent }, stems.map { ($0 as NSString).lastPathComponent + "_leftImg8bit.png" })
        let out = folder.appendingPathComponent("results").path
        let written = try CityscapesResults.run(model: model, inputs: inputs, outputDir: out)
        XCTAssertEqual(written.map { ($0 as NSString).lastPathComponent },
                       ["aachen_000000_000019_pred_labelIds.png", "aachen_000001_000019_pred_labelIds.png", "bochum_000000_000313_pred_labelIds.png"])
        let ours = try Evaluator.evaluate(model, on: try CityscapesDataset(root: folder.path, split: "val"))
        let official = try officialEvaluator(predictions: out)
        XCTAssertEqual(official.miou, ours.miou, accuracy: 1e-9)
        // A folder without Cityscapes images is an error naming it, and so is a 19-class mismatch.
        XCTAssertThrowsError(try CityscapesResults.inputs(out)) { XCTAssertTrue("\($0)".contains(out), "\($0)") }
        XCTAssertThrowsError(try CityscapesResults.run(model: Zoo.make(.xxs, classes: 11, seed: 1), inputs: inputs, outputDir: out))
    }
}
