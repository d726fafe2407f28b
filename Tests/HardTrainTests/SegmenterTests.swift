import Foundation
import XCTest
import HardData
import HardModels
@testable import HardTrain

final class SegmenterTests: XCTestCase {
    func testSegmentingAFolderWritesLabelsAndOverlays() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hard-seg-\(UUID().uuidString)")
        let input = dir.appendingPathComponent("in"), output = dir.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: input, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let scenes = SynthStreets(split: .val, count: 2, width: 40, height: 32)
        for i in 0..<2 { try ImageFile.writePNG(scenes.sample(i).image, to: input.appendingPathComponent("scene\(i).png").path) }
        try Data("not an image".utf8).write(to: input.appendingPathComponent("notes.txt"))
        let files = try Segmenter.inputs(input.path)
        XCTAssertEqual(files.map { ($0 as NSString).lastPathComponent }, ["scene0.png", "scene1.png"])
        let model = Zoo.make(.edge, classes: 11)
        let written = try Segmenter.run(model: model, inputs: files, outputDir: output.path, palette: SynthStreets.palette)
        XCTAssertEqual(written.count, 4)
        let labels = try ImageFile.readLabels(output.appendingPathComponent("scene0_labels.png").path)
        XCTAssertEqual(labels.width, 40)
        XCTAssertTrue(labels.values.allSatisfy { $0 < 11 })
        let overlay = try ImageFile.readRGB(output.appendingPathComponent("scene1_overlay.png").path)
        XCTAssertEqual(overlay.height, 32)
    }

    func testOverlayBlendsWithTheGivenOpacity() {
        let image = RGBImage(width: 2, height: 1, pixels: [100, 100, 100, 100, 100, 100])
        let labels = LabelMap(width: 2, height: 1, values: [0, LabelMap.ignore])
        let o = Segmenter.overlay(image, labels, palette: [RGBColor(200, 0, 0)], opacity: 0.5)
        XCTAssertEqual(o.pixels, [150, 50, 50, 100, 100, 100], "ignored pixels keep the image")
        XCTAssertEqual(Segmenter.overlay(image, labels, palette: [RGBColor(200, 0, 0)], opacity: 0).pixels, image.pixels)
    }

    func testMissingInputIsAClearError() {
        XCTAssertThrowsError(try Segmenter.inputs("/nonexistent/photos")) { XCTAssertTrue("\($0)".contains("/nonexistent/photos")) }
    }
}
