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

    /// A scratch folder `in/` holding PNG images under the given names (the reader goes by
    /// the bytes, so a PNG named .jpg is read as well).
    func makeInputs(_ names: [String]) throws -> (dir: URL, input: URL) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hard-seg-\(UUID().uuidString)")
        let input = dir.appendingPathComponent("in")
        try FileManager.default.createDirectory(at: input, withIntermediateDirectories: true)
        let scenes = SynthStreets(split: .val, count: names.count, width: 32, height: 32)
        for (i, name) in names.enumerated() { try ImageFile.writePNG(scenes.sample(i).image, to: input.appendingPathComponent(name).path) }
        return (dir, input)
    }

    func testInputsSharingAStemGetOutputsOfTheirOwn() throws {
        let (dir, input) = try makeInputs(["a.png", "a.jpg", "b.png"])
        defer { try? FileManager.default.removeItem(at: dir) }
        let output = dir.appendingPathComponent("out").path
        let written = try Segmenter.run(model: Zoo.make(.edge, classes: 11), inputs: try Segmenter.inputs(input.path),
                                        outputDir: output, palette: SynthStreets.palette)
        let expected = ["a_jpg_labels.png", "a_jpg_overlay.png", "a_png_labels.png", "a_png_overlay.png", "b_labels.png", "b_overlay.png"]
        XCTAssertEqual(Set(written.map { ($0 as NSString).lastPathComponent }), Set(expected))
        XCTAssertEqual(written.count, 6)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: output).sorted(), expected)
    }

    func testOutputStemsNeverCollide() {
        XCTAssertEqual(Segmenter.outputStems(["p/a.png", "p/A.JPG", "p/b.png", "p/c.d.png"]), ["a_png", "A_JPG", "b", "c.d"])
        // Same file name in two folders, and a name that is already another's renamed stem.
        XCTAssertEqual(Segmenter.outputStems(["x/a.png", "y/a.png", "x/a_png.jpg", "x/a.jpg"]), ["a_png", "a_png_2", "a_png_3", "a_jpg"])
        XCTAssertEqual(Segmenter.outputStems(["x/photo"]), ["photo"])
    }

    func testAnOutputThatIsAnInputIsRefusedAndTheInputKept() throws {
        let (dir, input) = try makeInputs(["a.png", "a_labels.png"])
        defer { try? FileManager.default.removeItem(at: dir) }
        let victim = input.appendingPathComponent("a_labels.png").path
        let before = try Data(contentsOf: URL(fileURLWithPath: victim))
        XCTAssertThrowsError(try Segmenter.checkOutputFolder(input.path + "/.", input: input.path)) {
            XCTAssertEqual("\($0)", "\(input.path)/.: is the input folder; the outputs would be mixed with the images, choose another output folder")
        }
        XCTAssertThrowsError(try Segmenter.run(model: Zoo.make(.edge, classes: 11), inputs: try Segmenter.inputs(input.path),
                                               outputDir: input.path, palette: SynthStreets.palette)) {
            XCTAssertEqual("\($0)", "\(victim): is an input image; writing it would destroy an input, choose another output")
        }
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: victim)), before)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: input.path).sorted(), ["a.png", "a_labels.png"])
    }

    func testAnImageNameThatIsNotUTF8IsRefusedNamedEscaped() throws {
        let (dir, input) = try makeInputs(["b.png"])
        defer { try? FileManager.default.removeItem(at: dir) }
        func create(_ name: [UInt8]) throws {
            let full = Array(input.path.utf8) + [0x2F] + name + [0]
            let fd = full.withUnsafeBufferPointer { open(UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self), O_WRONLY | O_CREAT, 0o644) }
            guard fd >= 0 else { throw XCTSkip("this file system refuses non-UTF-8 names") }
            close(fd)
        }
        try create(Array("notes".utf8) + [0xFF] + Array(".txt".utf8))   // not an image: ignored
        XCTAssertEqual(try Segmenter.inputs(input.path).map { ($0 as NSString).lastPathComponent }, ["b.png"])
        try create([0x61, 0xFF] + Array(".png".utf8))
        XCTAssertThrowsError(try Segmenter.inputs(input.path)) {
            XCTAssertEqual("\($0)", "\(input.path)/a\\xFF.png: the file name is not valid UTF-8; hard takes UTF-8 file names only, rename it")
        }
    }

    func testMissingInputIsAClearError() {
        XCTAssertThrowsError(try Segmenter.inputs("/nonexistent/photos")) { XCTAssertTrue("\($0)".contains("/nonexistent/photos")) }
    }
}
