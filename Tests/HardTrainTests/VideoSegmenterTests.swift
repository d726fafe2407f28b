import Foundation
import XCTest
import HardData
import HardEngine
import HardModels
@testable import HardTrain

/// `hard segment clip.mp4 --output out.mp4`: a clip the ffmpeg tool encodes from SynthStreets
/// frames is segmented into an MP4 whose frames are `Segmenter.overlay` of the decoded input's,
/// up to H.264's loss, at the input's frame count, size and rate; a damaged video is an error
/// naming it and leaves nothing behind.
final class VideoSegmenterTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: Self.ffmpeg), "the ffmpeg tool is missing (scripts/bootstrap.sh installs it)")
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("hard-video-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        if let folder { try? FileManager.default.removeItem(at: folder) }
    }

    static let ffmpeg = "/usr/bin/ffmpeg"

    func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    /// `frames` SynthStreets scenes of width x height, encoded by the ffmpeg tool at 10 fps.
    func makeClip(_ name: String, frames: Int, width: Int, height: Int, codec: [String]) throws -> String {
        let set = SynthStreets(split: .val, count: frames, width: width, height: height, seed: 3)
        for i in 0..<frames { try ImageFile.writePNG(set.sample(i).image, to: path(String(format: "in_%03d.png", i))) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Self.ffmpeg)
        p.arguments = ["-v", "error", "-y", "-framerate", "10", "-i", path("in_%03d.png")] + codec + [path(name)]
        try p.run()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, "ffmpeg could not make \(name)")
        for i in 0..<frames { try FileManager.default.removeItem(atPath: path(String(format: "in_%03d.png", i))) }
        return path(name)
    }

    func decodeAll(_ file: String) throws -> (VideoReader, [RGBImage]) {
        let reader = try VideoReader(file)
        var frames: [RGBImage] = []
        while let f = try reader.next() { frames.append(f) }
        return (reader, frames)
    }

    /// Mean absolute difference per channel value, over the top-left of `a` that `b` covers.
    func meanAbsDifference(_ a: RGBImage, _ b: RGBImage) -> Double {
        var sum = 0
        for y in 0..<b.height {
            for x in 0..<(b.width * 3) { sum += abs(Int(a.pixels[y * a.width * 3 + x]) - Int(b.pixels[y * b.width * 3 + x])) }
        }
        return Double(sum) / Double(b.width * b.height * 3)
    }

    /// An untrained HARD-XXS with non-trivial batch-norm statistics (as PredictorTests makes
    /// it), so that its class maps hold several classes and the overlays several colours.
    func model() -> HARDNetwork {
        let m = Zoo.make(.xxs, classes: SynthStreets.classNames.count, seed: 1)
        var rng = SeededGenerator(seed: 8)
        for _ in 0..<2 { _ = withNoGrad { m.outputs(Tensor.normal([2, 3, 48, 64], generator: &rng)) } }
        return m
    }

    func testClipIsSegmentedIntoAnMP4OfOverlaysFrameByFrame() throws {
        let clip = try makeClip("clip.mp4", frames: 10, width: 96, height: 64, codec: ["-c:v", "libx264", "-pix_fmt", "yuv420p", "-crf", "12"])
        let out = path("out.mp4")
        let m = model()
        let report = try VideoSegmenter.run(model: m, input: clip, output: out, palette: SynthStreets.palette, opacity: 0.5)
        XCTAssertEqual(report.frames, 10)
        XCTAssertEqual(report.decoder, "h264")
        XCTAssertEqual(report.encoder, VideoWriter.hasX264 ? "libx264" : "mpeg4")
        XCTAssertGreaterThan(report.fps, 0)
        XCTAssertLessThanOrEqual(report.modelShare, 1)
        if OneDNN.isAvailable { XCTAssertEqual(report.path, "blocked-nChw8c", "the fast plan") }

        let (inReader, inputs) = try decodeAll(clip)
        let (outReader, outputs) = try decodeAll(out)
        XCTAssertEqual(outputs.count, inputs.count, "one output frame per input frame")
        XCTAssertEqual(outputs.count, 10)
        XCTAssertEqual(outReader.width, 96)
        XCTAssertEqual(outReader.height, 64)
        XCTAssertEqual(outReader.frameRate, inReader.frameRate)
        XCTAssertEqual(outReader.frameRate.perSecond, 10, accuracy: 1e-9)

        let predictor = Predictor(m)
        let expected = try inputs.map { try Segmenter.overlay($0, predictor.predict($0), palette: SynthStreets.palette, opacity: 0.5) }
        let classes = Set(try inputs.flatMap { try predictor.predict($0).values })
        XCTAssertGreaterThanOrEqual(classes.count, 2, "the overlays hold more than one class colour")
        var worst = 0.0
        for (k, frame) in outputs.enumerated() {
            // Not blank: the frame has the scene's contrast.
            let mean = frame.pixels.reduce(0.0) { $0 + Double($1) } / Double(frame.pixels.count)
            let spread = (frame.pixels.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(frame.pixels.count)).squareRoot()
            XCTAssertGreaterThan(spread, 20, "frame \(k) is nearly uniform")
            // The overlay of input frame k, up to the encoding. Measured (0...255 per channel):
            // 2.9...3.5 per frame; lossless x264 (CRF 0) still leaves 1.6, yuv420p's halved
            // chroma at the scenes' sharp colour edges, and CRF 18's quantisation adds the rest.
            // The bound, 6, is 1.7x that; the next frame's overlay is 13...25 away, the frame
            // without overlay 37...49.
            let d = meanAbsDifference(frame, expected[k])
            worst = max(worst, d)
            XCTAssertLessThan(d, 6, "frame \(k): mean |output - overlay| = \(d)")
            XCTAssertGreaterThan(meanAbsDifference(frame, expected[(k + 1) % expected.count]), 3 * d, "frame \(k) matches another frame's overlay")
            XCTAssertGreaterThan(meanAbsDifference(frame, inputs[k]), 3 * d, "frame \(k) carries no overlay")
        }
        print("video test: worst mean |output - overlay| = \(worst) (0...255)")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted(), ["clip.mp4", "out.mp4"], "no temporary left")
    }

    func testOddSizedMKVLosesItsLastColumnAndRow() throws {
        // FFV1 in Matroska: another container and codec, lossless, and an odd size.
        let clip = try makeClip("odd.mkv", frames: 3, width: 95, height: 63, codec: ["-c:v", "ffv1"])
        let out = path("odd.mp4"), labels = path("labels")
        let report = try VideoSegmenter.run(model: model(), input: clip, output: out, palette: SynthStreets.palette, labelsDir: labels)
        XCTAssertEqual(report.decoder, "ffv1")
        XCTAssertEqual(report.width, 95)
        XCTAssertEqual(report.encodedWidth, 94)
        XCTAssertEqual(report.encodedHeight, 62)
        let (reader, frames) = try decodeAll(out)
        XCTAssertEqual(frames.count, 3)
        XCTAssertEqual(reader.width, 94)
        XCTAssertEqual(reader.height, 62)
        XCTAssertEqual(reader.frameRate, FrameRate(10))
        let first = try ImageFile.readLabels(labels + "/frame_000001_labels.png")
        XCTAssertEqual(first.width, 95, "label maps keep the input's full size")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: labels).count, 3)
    }

    func testDamagedVideoIsAnErrorNamingItAndLeavesNoOutput() throws {
        var rng = SystemRandomNumberGenerator()
        let broken = path("broken.mp4")
        try Data((0..<20_000).map { _ in UInt8.random(in: 0...255, using: &rng) }).write(to: URL(fileURLWithPath: broken))
        // A real clip cut in half: its MP4 index (written last) is gone.
        let clip = try makeClip("whole.mp4", frames: 10, width: 96, height: 64, codec: ["-c:v", "libx264", "-pix_fmt", "yuv420p"])
        let bytes = try Data(contentsOf: URL(fileURLWithPath: clip))
        let cut = path("cut.mp4")
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: cut))
        // Bytes changed in the middle, the index intact: the decoder conceals or skips what it
        // cannot decode; the run either succeeds with a complete video or is an error naming
        // the file, never a crash.
        var scrambled = [UInt8](bytes)
        var seeded = SeededGenerator(seed: 5)
        for i in stride(from: scrambled.count / 3, to: 2 * scrambled.count / 3, by: 7) { scrambled[i] = UInt8.random(in: 0...255, using: &seeded) }
        let middle = path("middle.mp4"), middleOut = path("middle_out.mp4")
        try Data(scrambled).write(to: URL(fileURLWithPath: middle))
        do {
            let report = try VideoSegmenter.run(model: model(), input: middle, output: middleOut, palette: SynthStreets.palette)
            XCTAssertEqual(try decodeAll(middleOut).1.count, report.frames)
            try FileManager.default.removeItem(atPath: middleOut)
        } catch {
            XCTAssertTrue("\(error)".hasPrefix(middle + ": "), "the error names the file: \(error)")
        }
        try FileManager.default.removeItem(atPath: middle)
        try FileManager.default.removeItem(atPath: clip)
        for input in [broken, cut, path("missing.mp4")] {
            XCTAssertThrowsError(try VideoSegmenter.run(model: model(), input: input, output: path("out.mp4"), palette: SynthStreets.palette)) { error in
                XCTAssertTrue("\(error)".hasPrefix(input + ": "), "the error names the file: \(error)")
            }
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted(), ["broken.mp4", "cut.mp4"],
                       "no output, partial or temporary, is left")
    }

    func testOutputMustBeAnMP4ThatIsNotTheInput() throws {
        let clip = path("clip.mp4")
        FileManager.default.createFile(atPath: clip, contents: Data([0]))
        XCTAssertThrowsError(try VideoSegmenter.checkOutput(path("out.avi"), input: clip)) { XCTAssertTrue("\($0)".contains(".mp4")) }
        XCTAssertThrowsError(try VideoSegmenter.checkOutput(folder.path + "/./clip.mp4", input: clip)) { XCTAssertTrue("\($0)".contains("input video")) }
        XCTAssertNoThrow(try VideoSegmenter.checkOutput(path("out.MP4"), input: clip))
        XCTAssertTrue(VideoSegmenter.isVideoInput("a/b.WebM"))
        XCTAssertTrue(VideoSegmenter.isVideoInput("/dev/video0"))
        XCTAssertFalse(VideoSegmenter.isVideoInput("photos/a.png"))
        XCTAssertThrowsError(try VideoSegmenter.run(model: model(), input: "/dev/video0", output: path("cam.mp4"), palette: SynthStreets.palette)) {
            XCTAssertTrue("\($0)".contains("--frames"), "\($0)")
        }
    }
}
