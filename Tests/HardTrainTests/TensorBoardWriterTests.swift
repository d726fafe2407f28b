import Foundation
import XCTest
import HardData
import HardEngine
@testable import HardTrain

/// The TensorBoard events file: CRC-32C and TFRecord framing against known values, and
/// what `TensorBoardLog` and a training run write, read back by TensorBoard's own loader
/// (`Tools/read_tensorboard.py` in the project venv: tensorboard from Tools/requirements.txt,
/// `scripts/bootstrap.sh --python`, which `make test` runs).
final class TensorBoardWriterTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    var dir: String!

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "hard-tb-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    // MARK: Checksums and framing

    func testCRC32CMatchesKnownCheckValues() {
        XCTAssertEqual(CRC32C.checksum(Array("123456789".utf8)), 0xE306_9283)   // the standard check value
        XCTAssertEqual(CRC32C.checksum([]), 0)
        // RFC 3720 (iSCSI) §B.4.
        XCTAssertEqual(CRC32C.checksum([UInt8](repeating: 0, count: 32)), 0x8A91_36AA)
        XCTAssertEqual(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)), 0x62A8_AB43)
        XCTAssertEqual(CRC32C.checksum((0..<32).map { UInt8($0) }), 0x46DD_794E)
        XCTAssertEqual(CRC32C.checksum((0..<32).reversed().map { UInt8($0) }), 0x113F_DB5C)
    }

    func testMaskedCRCIsRotatedRightBy15PlusTheTFRecordConstant() {
        // ((0xE3069283 >> 15) | (0xE3069283 << 17)) + 0xA282EAD8 mod 2^32, worked by hand and
        // equal to TensorBoard's masked_crc32c(b"123456789").
        XCTAssertEqual(CRC32C.masked(0xE306_9283), 0xC78A_B0E5)
        XCTAssertEqual(CRC32C.masked(0), 0xA282_EAD8)
        XCTAssertEqual(CRC32C.masked(0xFFFF_FFFF), 0xA282_EAD7)   // the rotation is a no-op, the add wraps
    }

    func testARecordIsLengthCRCDataCRC() {
        let frame = TFRecord.frame(Array("abc".utf8))
        XCTAssertEqual(frame.count, 8 + 4 + 3 + 4)
        XCTAssertEqual(Array(frame[0..<8]), [3, 0, 0, 0, 0, 0, 0, 0])
        func u32(_ at: Int) -> UInt32 { frame[at..<at + 4].reversed().reduce(0) { $0 << 8 | UInt32($1) } }
        XCTAssertEqual(u32(8), CRC32C.masked(CRC32C.checksum([3, 0, 0, 0, 0, 0, 0, 0])))
        XCTAssertEqual(Array(frame[12..<15]), Array("abc".utf8))
        XCTAssertEqual(u32(15), CRC32C.masked(CRC32C.checksum(Array("abc".utf8))))
        // The empty record of TensorBoard's reader: masked CRC-32C of 8 zero bytes is 0x07980329.
        XCTAssertEqual(TFRecord.frame([]), [0, 0, 0, 0, 0, 0, 0, 0, 0x29, 0x03, 0x98, 0x07, 0xD8, 0xEA, 0x82, 0xA2])
    }

    // MARK: Read back by TensorBoard

    struct Dump: Decodable {
        struct Image: Decodable {
            let step: Int, width: Int, height: Int, png: [UInt8]
            init(from decoder: Decoder) throws {
                var c = try decoder.unkeyedContainer()
                step = try c.decode(Int.self); width = try c.decode(Int.self); height = try c.decode(Int.self)
                png = [UInt8](Data(base64Encoded: try c.decode(String.self)) ?? Data())
            }
        }
        let files: [String: Int]
        let file_version: Double?
        /// tag: [[step, value]]
        let scalars: [String: [[Double]]]
        let images: [String: [Image]]

        func points(_ tag: String) -> [(step: Int, value: Float)] { (scalars[tag] ?? []).map { (Int($0[0]), Float($0[1])) } }
        func steps(_ tag: String) -> [Int] { points(tag).map(\.step) }
        func values(_ tag: String) -> [Float] { points(tag).map(\.value) }
    }

    func python() throws -> URL {
        let venv = Self.root.appendingPathComponent(".venv/bin/python")
        guard FileManager.default.isExecutableFile(atPath: venv.path) else {
            XCTFail("no Python venv with tensorboard at \(venv.path): run scripts/bootstrap.sh --python (make test does)")
            throw XCTSkip("no venv")
        }
        return venv
    }

    /// What TensorBoard's loader reads from the events files in `folder`.
    func readBack(_ folder: String) throws -> Dump {
        let p = Process()
        p.executableURL = try python()
        p.arguments = [Self.root.appendingPathComponent("Tools/read_tensorboard.py").path, folder]
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errors = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, errors)
        return try JSONDecoder().decode(Dump.self, from: data)
    }

    func eventFiles(_ folder: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasPrefix("events.out.tfevents.") }.sorted()
    }

    func testScalarsAndAnOverlayReadBackThroughTensorBoard() throws {
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        let log = try TensorBoardLog(folder: dir, startingAt: 0, now: now, hostname: "testhost")
        XCTAssertEqual(try eventFiles(dir), ["events.out.tfevents.1700000000.testhost"])
        var e = LogEntry(iteration: 10, kind: "train")
        e.loss = 1.25; e.lossMain = 1.0; e.lossAux = 0; e.learningRate = 1e-3; e.imagesPerSecond = 42.5
        try log.append(e)
        e.iteration = 20; e.loss = 0.75; e.lossMain = 0.625; e.lossAux = 0.4; e.learningRate = 5e-4; e.imagesPerSecond = 40
        try log.append(e)

        // A 6x4 validation image of 3 classes; the prediction gets one "sky" pixel wrong.
        let image = RGBImage(width: 6, height: 4, pixels: (0..<72).map { UInt8($0 * 3) })
        let truth = LabelMap(width: 6, height: 4, values: [0, 0, 0, 1, 1, 255] + [UInt8](repeating: 2, count: 18))
        var guess = truth.values
        guess[6] = 0
        let predicted = LabelMap(width: 6, height: 4, values: guess)
        log.keep(0, image, truth, predicted)
        log.keep(TensorBoardLog.overlayCount, image, truth, predicted)   // past the overlay count: not shown
        var matrix = ConfusionMatrix(classes: 4)
        matrix.add(predictions: predicted.values, labels: truth.values)
        let result = EvaluationResult(matrix: matrix, classNames: ["road", "traffic light", "sky", "absent"], images: 1, dataset: "t")
        var v = LogEntry(iteration: 20, kind: "val")
        v.valMIoU = result.miou; v.valPixelAccuracy = result.pixelAccuracy
        let palette = [RGBColor(255, 0, 0), RGBColor(0, 255, 0), RGBColor(0, 0, 255), RGBColor(9, 9, 9)]
        try log.append(v, validation: result, palette: palette)

        let d = try readBack(dir)
        // file version, SessionLog START, 2 train events, 1 validation scalar event, 1 image.
        XCTAssertEqual(d.files, ["events.out.tfevents.1700000000.testhost": 6])
        XCTAssertEqual(d.file_version, 2)
        XCTAssertEqual(d.steps("train/loss"), [10, 20])
        XCTAssertEqual(d.values("train/loss"), [1.25, 0.75])
        XCTAssertEqual(d.values("train/loss_main"), [1.0, 0.625])
        XCTAssertEqual(d.values("train/loss_aux"), [0, 0.4], "a value of 0 is written, not dropped as a proto3 default")
        XCTAssertEqual(d.values("train/lr"), [1e-3, 5e-4])
        XCTAssertEqual(d.values("train/images_per_s"), [42.5, 40])
        XCTAssertEqual(d.points("val/mIoU").map(\.step), [20])
        XCTAssertEqual(d.values("val/mIoU"), [Float(result.miou)])
        XCTAssertEqual(d.values("val/pixel_accuracy"), [Float(22.0 / 23.0)])
        XCTAssertEqual(d.values("val/IoU/road"), [Float(3.0 / 4.0)])
        XCTAssertEqual(d.values("val/IoU/traffic_light"), [1])
        XCTAssertEqual(d.values("val/IoU/sky"), [Float(17.0 / 18.0)])
        XCTAssertNil(d.scalars["val/IoU/absent"], "a class neither labelled nor predicted has no IoU")
        XCTAssertEqual(d.scalars.keys.sorted(), ["train/images_per_s", "train/loss", "train/loss_aux", "train/loss_main", "train/lr",
                                                 "val/IoU/road", "val/IoU/sky", "val/IoU/traffic_light", "val/mIoU", "val/pixel_accuracy"])

        XCTAssertEqual(Array(d.images.keys), ["val/overlay/0"])
        let shown = try XCTUnwrap(d.images["val/overlay/0"]?.first)
        XCTAssertEqual([shown.step, shown.width, shown.height], [20, 14, 4])   // 6 + 2 + 6 wide
        let decoded = try ImageFile.decodeRGB(shown.png, name: "val/overlay/0")
        XCTAssertEqual(decoded, TensorBoardLog.overlay(image: image, truth: truth, predicted: predicted, palette: palette))
        // Left is the prediction, right the truth: pixel 6 (second row, first column), RGB
        // (54, 57, 60), is road (red) on the left and sky (blue) on the right, at opacity 0.6.
        func pixel(_ x: Int, _ y: Int) -> [UInt8] { Array(decoded.pixels[(y * 14 + x) * 3 ..< (y * 14 + x) * 3 + 3]) }
        XCTAssertEqual(pixel(0, 1), [175, 23, 24])
        XCTAssertEqual(pixel(8, 1), [22, 23, 177])
        XCTAssertEqual(pixel(6, 0), [0, 0, 0], "the gap between the halves")
    }

    func testOverlaysOfLargeImagesAreScaledDown() {
        let image = RGBImage(width: 1000, height: 500, pixels: [UInt8](repeating: 7, count: 1000 * 500 * 3))
        let labels = LabelMap(width: 1000, height: 500, values: [UInt8](repeating: 0, count: 1000 * 500))
        let o = TensorBoardLog.overlay(image: image, truth: labels, predicted: labels, palette: [RGBColor(1, 2, 3)])
        XCTAssertEqual([o.width, o.height], [2 * TensorBoardLog.overlayWidth + 2, TensorBoardLog.overlayWidth / 2])
    }

    func testAResumedRunWritesANewFileAndTensorBoardDropsWhatTheKilledRunLoggedPastTheCheckpoint() throws {
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        func train(_ log: TensorBoardLog, _ steps: ClosedRange<Int>, offset: Double) throws {
            for i in steps {
                var e = LogEntry(iteration: i, kind: "train")
                e.loss = Double(i) + offset
                try log.append(e)
            }
        }
        // The killed run logged iterations 1...6; its last checkpoint was at 4.
        try train(TensorBoardLog(folder: dir, startingAt: 0, now: now, hostname: "h"), 1...6, offset: 0)
        let first = "events.out.tfevents.1700000000.h"
        let before = try Data(contentsOf: URL(fileURLWithPath: dir + "/" + first))
        // Resumed within the same second: a new name, never the old file.
        try train(TensorBoardLog(folder: dir, startingAt: 4, now: now, hostname: "h"), 5...8, offset: 0.5)
        XCTAssertEqual(try eventFiles(dir), [first, first + ".1"])
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: dir + "/" + first)), before, "the old file is left as it was")

        let d = try readBack(dir)
        XCTAssertEqual(d.files, [first: 8, first + ".1": 6])
        XCTAssertEqual(d.steps("train/loss"), Array(1...8))
        XCTAssertEqual(d.values("train/loss"), [1, 2, 3, 4, 5.5, 6.5, 7.5, 8.5])
    }

    func testAnEventsFileThatCannotBeCreatedIsAnErrorNamingIt() throws {
        let notAFolder = dir + "/file"
        _ = FileManager.default.createFile(atPath: notAFolder, contents: Data([1]))
        XCTAssertThrowsError(try TensorBoardWriter(folder: notAFolder, now: Date(timeIntervalSince1970: 5), hostname: "h")) {
            XCTAssertEqual("\($0)", "\(notAFolder)/events.out.tfevents.5.h: cannot create the TensorBoard events file: a part of the path is a file, not a folder")
        }
        XCTAssertThrowsError(try TensorBoardWriter(folder: dir + "/missing", now: Date(timeIntervalSince1970: 5), hostname: "h")) {
            XCTAssertTrue("\($0)".hasSuffix("/missing/events.out.tfevents.5.h: cannot create the TensorBoard events file: no such folder"), "\($0)")
        }
    }

    func testHostnameIsNeverEmptyNorAPath() {
        let name = TensorBoardWriter.hostname()
        XCTAssertFalse(name.isEmpty)
        XCTAssertFalse(name.contains("/"))
    }

    // MARK: A training run

    func tinyConfig(output: String) -> TrainConfig {
        var c = TrainConfig()
        c.model = "hard-edge"
        c.iterations = 4
        c.batchSize = 1
        c.cropHeight = 32; c.cropWidth = 32
        c.logInterval = 2; c.valInterval = 2; c.checkpointInterval = 2
        c.dataset.synthTrainImages = 2; c.dataset.synthValImages = 1
        c.dataset.synthWidth = 40; c.dataset.synthHeight = 32
        c.output = output
        return c
    }

    func trainer(_ c: TrainConfig, resume: Bool = false) throws -> Trainer {
        try Trainer(config: c, trainSet: DatasetFactory.make(c.dataset, split: "train"),
                    valSet: DatasetFactory.make(c.dataset, split: "val"), resume: resume)
    }

    func testTrainingWritesTheLogsNumbersToTensorBoardAndAResumeAddsAFile() throws {
        let c = tinyConfig(output: dir + "/run")
        var results: [Int: EvaluationResult] = [:]
        try trainer(c).run(stopAfter: 2) { results[$0] = $1 }
        let first = try eventFiles(c.output)
        XCTAssertEqual(first.count, 1)
        let before = try Data(contentsOf: URL(fileURLWithPath: c.output + "/" + first[0]))
        try trainer(c, resume: true).run { results[$0] = $1 }
        let files = try eventFiles(c.output)
        XCTAssertEqual(files.count, 2, "\(files)")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: c.output + "/" + first[0])), before)

        let d = try readBack(c.output)
        let log = try RunLog.read(dir + "/run/train.jsonl")
        let train = log.filter { $0.kind == "train" }, val = log.filter { $0.kind == "val" }
        XCTAssertEqual(train.map(\.iteration), [2, 4])
        XCTAssertEqual(d.steps("train/loss"), [2, 4])
        XCTAssertEqual(d.values("train/loss"), train.map { Float($0.loss!) })
        XCTAssertEqual(d.values("train/loss_main"), train.map { Float($0.lossMain!) })
        XCTAssertEqual(d.values("train/lr"), train.map { Float($0.learningRate!) })
        XCTAssertEqual(d.values("train/images_per_s"), train.map { Float($0.imagesPerSecond!) })
        XCTAssertEqual(d.steps("val/mIoU"), [2, 4])
        XCTAssertEqual(d.values("val/mIoU"), val.map { Float($0.valMIoU!) })
        XCTAssertEqual(d.values("val/pixel_accuracy"), val.map { Float($0.valPixelAccuracy!) })
        for step in [2, 4] {
            for cls in try XCTUnwrap(results[step]).perClass {
                let points = d.points("val/IoU/" + TensorBoardLog.tagPart(cls.name)).filter { $0.step == step }.map(\.value)
                XCTAssertEqual(points, cls.iou.map { [Float($0)] } ?? [], "\(cls.name) at \(step)")
            }
        }
        let overlays = try XCTUnwrap(d.images["val/overlay/0"])
        XCTAssertEqual(overlays.map(\.step), [2, 4])
        XCTAssertEqual(overlays.map { [$0.width, $0.height] }, [[82, 32], [82, 32]])   // 40 + 2 + 40
        XCTAssertEqual(d.images.count, 1, "one validation image: one overlay")
    }

    func testTensorBoardFalseWritesNoEventsFile() throws {
        var c = tinyConfig(output: dir + "/off")
        c.iterations = 1
        c.tensorboard = false
        try trainer(c).run()
        XCTAssertEqual(try eventFiles(c.output), [])
        XCTAssertTrue(FileManager.default.fileExists(atPath: c.output + "/train.jsonl"))
    }

    func testTheConfigKeyTurnsItOff() throws {
        XCTAssertTrue(try TrainConfig.parse(Data("model: hard-edge\n".utf8), path: "a.yaml").tensorboard)
        XCTAssertFalse(try TrainConfig.parse(Data("model: hard-edge\ntensorboard: false\n".utf8), path: "a.yaml").tensorboard)
        XCTAssertFalse(try TrainConfig.parse(Data(#"{"tensorboard": false}"#.utf8), path: "a.json").tensorboard)
    }
}
