import Foundation
import XCTest
import HardData
import HardEngine
@testable import HardTrain

/// `hard report`: one self-contained HTML page, rendered by headless Chromium (Debian's
/// `chromium`, installed by the bootstrap) to a screenshot that shows the page.
final class RunReportTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("hard-report-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("overlays"), withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    /// A run folder: a 300-iteration log, an evaluation over SynthStreets' 11 classes, two overlays.
    func makeRun() throws {
        let log = try RunLog(path: folder.appendingPathComponent("train.jsonl").path)
        for i in stride(from: 10, through: 300, by: 10) {
            var e = LogEntry(iteration: i, kind: "train")
            e.loss = 2.5 * exp(-Double(i) / 100) + 0.2; e.lossMain = e.loss! * 0.8; e.lossAux = e.loss! * 0.2
            e.learningRate = 0.01 * Double(min(i, 100)) / 100; e.imagesPerSecond = 15
            try log.append(e)
            if i % 100 == 0 {
                var v = LogEntry(iteration: i, kind: "val")
                v.valMIoU = 0.2 + Double(i) / 1000; v.valPixelAccuracy = 0.6 + Double(i) / 2000
                try log.append(v)
            }
        }
        var matrix = ConfusionMatrix(classes: 11)
        var generator = SeededGenerator(seed: 2)
        let truth = (0..<5000).map { _ in UInt8.random(in: 0..<11, using: &generator) }
        matrix.add(predictions: truth.map { Int.random(in: 0..<4, using: &generator) == 0 ? UInt8.random(in: 0..<11, using: &generator) : $0 },
                   labels: truth)
        let result = EvaluationResult(matrix: matrix, classNames: SynthStreets.classNames, images: 5, dataset: "SynthStreets val")
        try AtomicFile.write(try result.json(), to: folder.appendingPathComponent("metrics.json").path)
        let image = try SynthStreets(split: .val, count: 1, width: 96, height: 64).sample(0)
        try ImageFile.writePNG(image.image, to: folder.appendingPathComponent("overlays/val0_image.png").path)
        try ImageFile.writePNG(Segmenter.overlay(image.image, image.labels, palette: SynthStreets.palette, opacity: 0.6),
                               to: folder.appendingPathComponent("overlays/val0_truth.png").path)
    }

    func testThePageHoldsEverySectionSelfContained() throws {
        try makeRun()
        let path = try RunReport.write(folder.path)
        let html = try String(contentsOfFile: path, encoding: .utf8)
        for part in ["<h2>Conditions</h2>", "Training loss", "Learning rate", "Validation (%)", "<h2>Evaluation</h2>",
                     "<h2>Per-class IoU</h2>", "Pedestrian", "<h2>Confusion matrix</h2>", "val0_truth.png", "median 15.0 images/s"] {
            XCTAssertTrue(html.contains(part), "missing \(part)")
        }
        XCTAssertEqual(html.components(separatedBy: "data:image/png;base64,").count - 1, 3, "heat map and two overlays inline")
        XCTAssertFalse(html.contains("src=\"http"), "nothing loaded from elsewhere")
        XCTAssertFalse(html.contains("<script"), "no script")
    }

    func testDamagedOrEmptyFoldersAreErrorsNamingTheFile() throws {
        XCTAssertThrowsError(try RunReport.write(folder.path)) { XCTAssertTrue("\($0)".contains("train.jsonl"), "\($0)") }
        try AtomicFile.write("{\"miou\": \"high\"}", to: folder.appendingPathComponent("metrics.json").path)
        XCTAssertThrowsError(try RunReport.write(folder.path)) { XCTAssertTrue("\($0)".contains("metrics.json"), "\($0)") }
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("report.html").path))
    }

    func testHeadlessChromiumRendersThePage() throws {
        let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let chromium else {
            XCTFail("no chromium: run scripts/bootstrap.sh (make test does)")
            return
        }
        try makeRun()
        let page = try RunReport.write(folder.path)
        let shot = folder.appendingPathComponent("shot.png").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: chromium)
        process.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--force-color-profile=srgb",
                             "--user-data-dir=" + folder.appendingPathComponent("profile").path,
                             "--window-size=1200,2400", "--screenshot=" + shot, "file://" + page]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
        let image = try ImageFile.readRGB(shot)
        XCTAssertEqual(image.width, 1200)
        // Not blank: many pixels that are not the white background, in many colours, and the
        // per-class bars in their class colours (Road's purple, Sky's grey).
        var nonWhite = 0
        var colours = Set<Int>()
        var counts: [RGBColor: Int] = [:]
        for i in 0..<(image.width * image.height) {
            let c = RGBColor(image.pixels[3 * i], image.pixels[3 * i + 1], image.pixels[3 * i + 2])
            if c != RGBColor(255, 255, 255) { nonWhite += 1 }
            colours.insert(Int(c.r) << 16 | Int(c.g) << 8 | Int(c.b))
            counts[c, default: 0] += 1
        }
        XCTAssertGreaterThan(Double(nonWhite) / Double(image.width * image.height), 0.03)
        XCTAssertGreaterThan(colours.count, 200)
        let road = SynthStreets.palette[SynthStreets.classNames.firstIndex(of: "Road")!]
        XCTAssertGreaterThan(counts[road, default: 0], 500, "the Road bar is drawn in its class colour")
    }
}
