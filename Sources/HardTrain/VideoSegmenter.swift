import Dispatch
import Foundation
import HardData
import HardEngine
import HardModels

/// Segments a video file or a camera into an MP4 of colour overlays (`Segmenter.overlay`),
/// frame by frame on the fast plan (`Predictor`: one plan for the stream's size, built on the
/// first frame and reused), at the input's frame rate and size.
public enum VideoSegmenter {
    /// File extensions taken as video inputs (compared ignoring case).
    public static let videoExtensions = ["mp4", "mkv", "avi", "mov", "webm", "m4v"]

    /// Whether `path` is a video input: a file with one of `videoExtensions`, or a camera
    /// (`/dev/video<N>`).
    public static func isVideoInput(_ path: String) -> Bool {
        VideoReader.isCamera(path) || videoExtensions.contains((path as NSString).pathExtension.lowercased())
    }

    /// Refuses an output that is not an `.mp4` file name, or that is the input.
    public static func checkOutput(_ output: String, input: String) throws {
        guard (output as NSString).pathExtension.lowercased() == "mp4" else {
            throw FileError(file: output, problem: "a video input is segmented into an .mp4 file; give --output NAME.mp4")
        }
        if Folder.exists(output) { throw FileError(file: output, problem: "is a folder; give --output NAME.mp4") }
        try OutputGuard.check(output: output, against: [OutputGuard.Input(input, "the input video")])
    }

    /// What a run did and how fast.
    public struct Report: Sendable {
        public var frames = 0
        /// The input's frame size; the video's is this rounded down to even (yuv420p).
        public var width = 0, height = 0
        public var encodedWidth = 0, encodedHeight = 0
        public var frameRate = FrameRate(25)
        public var decoder = "", encoder = ""
        /// Wall time of the whole loop: decode, model, overlay, encode (and label PNGs).
        public var loopSeconds = 0.0
        /// Time in the model (`Predictor.predict`: normalisation, the plan, argmax), plan building excluded.
        public var modelSeconds = 0.0
        /// Building the fast plan for the stream's size, once.
        public var planBuildMs = 0.0
        public var path = ""
        public var skippedPackets = 0

        /// Frames per second of the whole loop.
        public var fps: Double { loopSeconds > 0 ? Double(frames) / loopSeconds : 0 }
        /// Frames per second the model alone would allow.
        public var modelFPS: Double { modelSeconds > 0 ? Double(frames) / modelSeconds : 0 }
        /// The model's share of the loop's time, 0...1.
        public var modelShare: Double { loopSeconds > 0 ? modelSeconds / loopSeconds : 0 }

        public var summary: String {
            String(format: "%d frames %dx%d at %@ fps (%@ -> %@): %.1f frames/s over the whole loop; model %.1f ms/frame (%.0f%% of the loop, %.1f frames/s alone, %@ plan built once in %.0f ms)",
                   frames, width, height, frameRate.description, decoder, encoder, fps,
                   frames > 0 ? 1000 * modelSeconds / Double(frames) : 0, 100 * modelShare, modelFPS, path, planBuildMs)
        }
    }

    /// Segments `input` (a video file or `/dev/videoN`) into `output` (.mp4, written under a
    /// temporary name and renamed when complete: an error on the way leaves no output). With
    /// `labelsDir`, also writes each frame's class map as `frame_000001_labels.png`, ...
    /// `maxFrames` stops early (a camera needs it: it has no end).
    @discardableResult
    public static func run(model: HARDNetwork, input: String, output: String, palette: [RGBColor],
                           opacity: Double = 0.5, inputSize: (height: Int, width: Int)? = nil,
                           augmentation: TestTimeAugmentation = .init(), labelsDir: String? = nil,
                           maxFrames: Int? = nil, progress: (Int) -> Void = { _ in }) throws -> Report {
        try checkOutput(output, input: input)
        if VideoReader.isCamera(input) && maxFrames == nil {
            throw VideoError(file: input, problem: "a camera has no end; give --frames N")
        }
        let reader = try VideoReader(input)
        let folder = (output as NSString).deletingLastPathComponent
        if !folder.isEmpty { try Folder.create(folder) }
        if let labelsDir { try Folder.create(labelsDir) }
        let writer = try VideoWriter(path: output, width: reader.width, height: reader.height, frameRate: reader.frameRate)
        let predictor = Predictor(model)
        var report = Report()
        report.width = reader.width
        report.height = reader.height
        report.encodedWidth = writer.width
        report.encodedHeight = writer.height
        report.frameRate = reader.frameRate
        report.decoder = reader.codec
        report.encoder = writer.codec
        report.path = predictor.path.rawValue
        let start = DispatchTime.now().uptimeNanoseconds
        while maxFrames.map({ report.frames < $0 }) ?? true, let frame = try reader.next() {
            let t0 = DispatchTime.now().uptimeNanoseconds, built = predictor.planBuildMs
            let labels = try predictor.predict(frame, inputSize: inputSize, augmentation: augmentation)
            report.modelSeconds += Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9 - (predictor.planBuildMs - built) / 1000
            try writer.write(Segmenter.overlay(frame, labels, palette: palette, opacity: opacity))
            report.frames += 1
            if let labelsDir {
                let name = (labelsDir as NSString).appendingPathComponent(String(format: "frame_%06d_labels.png", report.frames))
                try OutputGuard.check(output: name, against: [OutputGuard.Input(input, "the input video")])
                try ImageFile.writeLabelPNG(labels, palette: palette, to: name)
            }
            progress(report.frames)
        }
        guard report.frames > 0 else { throw VideoError(file: input, problem: "holds no frame that could be decoded") }
        try writer.finish()
        report.loopSeconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 - predictor.planBuildMs / 1000
        report.planBuildMs = predictor.planBuildMs
        report.skippedPackets = reader.skippedPackets
        return report
    }
}
