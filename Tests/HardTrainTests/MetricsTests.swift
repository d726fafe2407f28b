import XCTest
import HardData
@testable import HardTrain

final class MetricsTests: XCTestCase {
    func testIoUFollowsTheMmsegConvention() {
        var m = ConfusionMatrix(classes: 4)
        // truth:      0 0 1 1 2 255
        // prediction: 0 1 1 1 0 3
        m.add(predictions: [0, 1, 1, 1, 0, 3], labels: [0, 0, 1, 1, 2, 255])
        let iou = m.iou
        XCTAssertEqual(iou[0]!, 1.0 / 3.0, accuracy: 1e-12)   // TP 1, FP 1 (from class 2), FN 1
        XCTAssertEqual(iou[1]!, 2.0 / 3.0, accuracy: 1e-12)   // TP 2, FP 1
        XCTAssertEqual(iou[2]!, 0, accuracy: 1e-12)           // labelled once, never predicted
        XCTAssertNil(iou[3], "class 3 appears only on an ignored pixel: empty union, left out")
        XCTAssertEqual(m.meanIoU, (1.0 / 3 + 2.0 / 3 + 0) / 3, accuracy: 1e-12)
        XCTAssertEqual(m.pixelAccuracy, 3.0 / 5.0, accuracy: 1e-12)
        XCTAssertEqual(m.labelledPixels, 5)
    }

    func testIntersectionsAreSummedOverTheSetNotAveragedPerImage() {
        var m = ConfusionMatrix(classes: 2)
        m.add(predictions: [1], labels: [1])                   // image 1: IoU(1) = 1
        m.add(predictions: [1, 1, 1], labels: [0, 0, 1])      // image 2: IoU(1) = 1/3
        XCTAssertEqual(m.iou[1]!, 2.0 / 4.0, accuracy: 1e-12) // summed: TP 2, FP 2
    }

    func testEvaluationJSONHasTheDocumentedKeys() throws {
        var m = ConfusionMatrix(classes: 2)
        m.add(predictions: [0, 1], labels: [0, 0])
        let json = try EvaluationResult(matrix: m, classNames: ["a", "b"], images: 1, dataset: "t").json()
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        XCTAssertNotNil(object["miou"])
        XCTAssertNotNil(object["pixel_accuracy"])
        let perClass = try XCTUnwrap(object["per_class"] as? [[String: Any]])
        XCTAssertEqual(perClass.map { $0["name"] as? String }, ["a", "b"])
    }

    func testColourBaselineLearnsColourRules() throws {
        struct TwoColours: SegmentationDataset {
            var name: String { "two colours" }
            var classNames: [String] { ["red", "blue"] }
            var palette: [RGBColor] { [RGBColor(255, 0, 0), RGBColor(0, 0, 255)] }
            var count: Int { 2 }
            func sample(_ index: Int) throws -> (image: RGBImage, labels: LabelMap) {
                (RGBImage(width: 2, height: 1, pixels: [250, 0, 0, 0, 0, 250]), LabelMap(width: 2, height: 1, values: [0, 1]))
            }
        }
        let r = try ColorBaseline(fitting: TwoColours(), limit: 2).evaluate(on: TwoColours())
        XCTAssertEqual(r.miou, 1, accuracy: 1e-12)
    }
}

final class ConfigTests: XCTestCase {
    func write(_ text: String, _ name: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("hard-cfg-\(UUID().uuidString)-\(name)").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func testYAMLAndJSONConfigsOverrideDefaults() throws {
        let yaml = try write("model: hard-s\niterations: 500\ndataset:\n  kind: camvid\n  root: /data/CamVid\n  val_split: test\nlr_peak: 0.005\n", "c.yaml")
        let c = try TrainConfig.load(yaml)
        XCTAssertEqual(c.model, "hard-s")
        XCTAssertEqual(c.iterations, 500)
        XCTAssertEqual(c.dataset.kind, "camvid")
        XCTAssertEqual(c.dataset.valSplit, "test")
        XCTAssertEqual(c.lrPeak, 0.005)
        XCTAssertEqual(c.weightDecay, 1e-4, "paper default kept")
        XCTAssertEqual(c.warmupIterations, 109, "6550/30000 of the iterations")
        let json = try write("{\"model\": \"hard-gpu\", \"aux_weight\": 0.5}", "c.json")
        XCTAssertEqual(try TrainConfig.load(json).auxWeight, 0.5)
    }

    func testBadConfigsNameTheFileAndTheKey() throws {
        let typo = try write("modle: hard-s\n", "typo.yaml")
        XCTAssertThrowsError(try TrainConfig.load(typo)) { XCTAssertTrue("\($0)".contains(typo) && "\($0)".contains("modle"), "\($0)") }
        let wrongType = try write("iterations: many\n", "type.yaml")
        XCTAssertThrowsError(try TrainConfig.load(wrongType)) { XCTAssertTrue("\($0)".contains("iterations"), "\($0)") }
        let badModel = try write("model: hard-xl\n", "model.yaml")
        XCTAssertThrowsError(try TrainConfig.load(badModel)) { XCTAssertTrue("\($0)".contains("hard-xl"), "\($0)") }
        let badYAML = try write("model: [unclosed\n", "yaml.yaml")
        XCTAssertThrowsError(try TrainConfig.load(badYAML)) { XCTAssertTrue("\($0)".contains(badYAML), "\($0)") }
        XCTAssertThrowsError(try TrainConfig.load("/nonexistent/x.yaml")) { XCTAssertTrue("\($0)".contains("cannot be read")) }
    }
}

final class ShippedConfigTests: XCTestCase {
    func testEveryConfigInTheRepositoryParses() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let folder = root.appendingPathComponent("configs")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".json") }
        XCTAssertGreaterThanOrEqual(files.count, 4)
        for f in files { XCTAssertNoThrow(try TrainConfig.load(folder.appendingPathComponent(f).path), f) }
    }
}
