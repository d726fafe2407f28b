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

    func testAccuracyDiceAndFrequencyWeightedIoUByHand() {
        var m = ConfusionMatrix(classes: 4)
        // truth:      0 0 1 1 2 255 (as above)
        // prediction: 0 1 1 1 0 3
        m.add(predictions: [0, 1, 1, 1, 0, 3], labels: [0, 0, 1, 1, 2, 255])
        // Recall: class 0 1 of 2, class 1 2 of 2, class 2 0 of 1, class 3 never labelled.
        XCTAssertEqual(m.accuracy[0]!, 0.5, accuracy: 1e-12)
        XCTAssertEqual(m.accuracy[1]!, 1, accuracy: 1e-12)
        XCTAssertEqual(m.accuracy[2]!, 0, accuracy: 1e-12)
        XCTAssertNil(m.accuracy[3])
        XCTAssertEqual(m.meanAccuracy, 0.5, accuracy: 1e-12)
        // Dice 2TP / (labelled + predicted): 2/(2+2), 4/(2+3), 0/(1+0).
        XCTAssertEqual(m.dice[0]!, 0.5, accuracy: 1e-12)
        XCTAssertEqual(m.dice[1]!, 0.8, accuracy: 1e-12)
        XCTAssertEqual(m.dice[2]!, 0, accuracy: 1e-12)
        XCTAssertNil(m.dice[3])
        XCTAssertEqual(m.meanDice, 1.3 / 3, accuracy: 1e-12)
        // fwIoU: 2/5 * 1/3 + 2/5 * 2/3 + 1/5 * 0.
        XCTAssertEqual(m.frequencyWeightedIoU, 0.4, accuracy: 1e-12)
        XCTAssertEqual(m.rows, [[1, 1, 0, 0], [0, 2, 0, 0], [1, 0, 0, 0], [0, 0, 0, 0]])
    }

    func testHeatMapRowsAreNormalisedWithClassStrips() {
        var m = ConfusionMatrix(classes: 3)
        m.add(predictions: [0, 0, 0, 1, 1, 0], labels: [0, 0, 0, 1, 1, 1])   // class 2 never labelled
        let palette = [RGBColor(255, 0, 0), RGBColor(0, 255, 0), RGBColor(0, 0, 255)]
        let image = m.heatMap(palette: palette, cell: 4)
        XCTAssertEqual(image.width, 16)
        func pixel(row: Int, column: Int) -> RGBColor {   // the centre of a cell
            let i = ((row * 4 + 2) * 16 + column * 4 + 2) * 3
            return RGBColor(image.pixels[i], image.pixels[i + 1], image.pixels[i + 2])
        }
        XCTAssertEqual(pixel(row: 0, column: 3), palette[2], "top strip: prediction colours")
        XCTAssertEqual(pixel(row: 2, column: 0), palette[1], "left strip: true-class colours")
        XCTAssertEqual(pixel(row: 1, column: 1), RGBColor(253, 231, 37), "class 0 always right: 1 is yellow")
        XCTAssertEqual(pixel(row: 1, column: 2), RGBColor(68, 1, 84), "0 is dark purple")
        XCTAssertEqual(pixel(row: 2, column: 2), ConfusionMatrix.viridis(2.0 / 3.0))
        XCTAssertEqual(pixel(row: 3, column: 1), RGBColor(128, 128, 128), "a class never labelled is grey")
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
        for key in ["mean_accuracy", "mean_dice", "fw_iou"] { XCTAssertNotNil(object[key] as? Double, key) }
        XCTAssertEqual(object["confusion"] as? [[Int]], [[1, 1], [0, 0]])
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
