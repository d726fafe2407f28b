#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CVideoShim
import Foundation
import HardEngine

// Video through FFmpeg's libraries. This folder is the one Swift caller of the C wall
// (Sources/CVideoShim, which holds every av_* call): frames come and go as RGBImage.

/// A video that could not be opened, decoded or written: the project's `FileError`, naming the
/// file the user gave (never a temporary name) and saying in words why.
public typealias VideoError = FileError

/// Frames per second as the container keeps it, a fraction (30000/1001 for NTSC's 29.97).
public struct FrameRate: Equatable, Sendable, CustomStringConvertible {
    public let numerator: Int
    public let denominator: Int

    public init(_ numerator: Int, _ denominator: Int = 1) {
        self.numerator = numerator
        self.denominator = denominator
    }

    public var perSecond: Double { Double(numerator) / Double(denominator) }
    public var description: String { denominator == 1 ? "\(numerator)" : String(format: "%.3f", perSecond) }
}

private func messageBuffer() -> [CChar] { [CChar](repeating: 0, count: Int(HARD_VIDEO_MESSAGE_SIZE)) }

/// Decodes a video file (any container and codec this FFmpeg reads: mp4/h264, mkv, webm/vp9,
/// avi...) or a V4L2 camera (`/dev/video0`) into RGB frames, one at a time.
public final class VideoReader {
    public let path: String
    public let width: Int
    public let height: Int
    public let frameRate: FrameRate
    /// The input did not say its frame rate (some raw streams): 25 was assumed.
    public let frameRateGuessed: Bool
    /// Frames the container announces; 0 when it does not say.
    public let framesAnnounced: Int
    /// The decoder ("h264", "vp9", ...).
    public let codec: String
    /// Frames decoded so far.
    public private(set) var framesRead = 0
    private var handle: OpaquePointer?

    /// The largest frames read: 16384 a side, 8192 x 8192 in all (200 MB of RGB).
    public static let maxSide: Int32 = 16384
    public static let maxPixels = 8192 * 8192

    /// Whether `path` names a camera rather than a file: `/dev/video<N>`.
    public static func isCamera(_ path: String) -> Bool {
        path.hasPrefix("/dev/video")
    }

    public init(_ path: String) throws {
        self.path = path
        let camera = Self.isCamera(path)
        if !camera {
            var info = stat()
            guard stat(path, &info) == 0 else { throw VideoError(file: path, problem: FileError.reason(errno, reading: true)) }
            guard (info.st_mode & S_IFMT) == S_IFREG else { throw VideoError(file: path, problem: "is not a file") }
        }
        var info = hard_video_info()
        var message = messageBuffer()
        guard let h = hard_video_reader_open(path, camera ? 1 : 0, &info, &message) else {
            throw VideoError(file: path, problem: String(cString: message))
        }
        handle = h
        // A header may claim any size; frames are allocated from it before a byte is decoded.
        guard info.width >= 1, info.height >= 1, info.width <= Self.maxSide, info.height <= Self.maxSide,
              Int(info.width) * Int(info.height) <= Self.maxPixels else {
            hard_video_reader_close(h)
            handle = nil
            throw VideoError(file: path, problem: "frames of \(info.width)x\(info.height): outside 1...\(Self.maxSide) a side and \(Self.maxPixels) pixels")
        }
        width = Int(info.width)
        height = Int(info.height)
        frameRate = FrameRate(Int(info.rate_num), Int(info.rate_den))
        frameRateGuessed = info.rate_guessed != 0
        framesAnnounced = Int(info.frames_announced)
        codec = withUnsafeBytes(of: info.codec) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
    }

    deinit { hard_video_reader_close(handle) }

    /// Packets the decoder rejected as damaged and that were skipped (as the ffmpeg tool does).
    public var skippedPackets: Int { Int(hard_video_reader_skipped(handle)) }

    /// The next frame (height x width RGB; a frame of another size in the stream is scaled to
    /// it), or nil at the end. A container that cannot be read on is an error naming the file.
    public func next() throws -> RGBImage? {
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        var message = messageBuffer()
        let got = pixels.withUnsafeMutableBufferPointer { hard_video_reader_next(handle, $0.baseAddress, $0.count, &message) }
        if got < 0 { throw VideoError(file: path, problem: "frame \(framesRead + 1): \(String(cString: message))") }
        if got == 0 { return nil }
        framesRead += 1
        return RGBImage(width: width, height: height, pixels: pixels)
    }
}

/// Encodes RGB frames into an MP4 file: H.264 (libx264) when this libavcodec has it, else
/// MPEG-4 part 2; yuv420p, so the encoded size is even: a frame of odd width or height loses
/// its last column or row. The file is written under a temporary name beside `path` and
/// renamed when `finish` succeeds: a reader sees no file or the whole one, never a part, and
/// a writer dropped before `finish` (an error on the way) removes its temporary.
public final class VideoWriter {
    public let path: String
    /// The frames' size as given.
    public let frameWidth: Int
    public let frameHeight: Int
    /// The encoded size: the frames' rounded down to even.
    public let width: Int
    public let height: Int
    public let frameRate: FrameRate
    /// "libx264" or "mpeg4".
    public let codec: String
    public private(set) var framesWritten = 0
    private let temporary: String
    private var handle: OpaquePointer?

    /// Whether this libavcodec has libx264 (else the writer uses MPEG-4 part 2).
    public static var hasX264: Bool { hard_video_has_x264() != 0 }

    /// `quality`: libx264's CRF (0 lossless ... 51; 18 looks like the input); MPEG-4 part 2
    /// takes quality / 6 as its quantiser.
    public init(path: String, width: Int, height: Int, frameRate: FrameRate, quality: Int = 18) throws {
        guard width >= 2, height >= 2 else {
            throw VideoError(file: path, problem: "frames of \(width)x\(height) are too small for yuv420p (2x2 at least)")
        }
        guard frameRate.numerator > 0, frameRate.denominator > 0,
              frameRate.numerator <= Int(Int32.max), frameRate.denominator <= Int(Int32.max) else {
            throw VideoError(file: path, problem: "frame rate \(frameRate.numerator)/\(frameRate.denominator) is not usable")
        }
        self.path = path
        frameWidth = width
        frameHeight = height
        self.width = width & ~1
        self.height = height & ~1
        self.frameRate = frameRate
        temporary = try AtomicFile.temporaryPath(for: path)
        var message = messageBuffer()
        guard let h = hard_video_writer_open(temporary, Int32(self.width), Int32(self.height),
                                             Int32(frameRate.numerator), Int32(frameRate.denominator),
                                             Int32(min(max(quality, 0), 51)), &message) else {
            unlink(temporary)
            throw VideoError(file: path, problem: String(cString: message))
        }
        handle = h
        codec = String(cString: hard_video_writer_codec(h))
    }

    deinit {
        if let handle {
            hard_video_writer_abandon(handle)
            unlink(temporary)
        }
    }

    /// Encodes one frame of the size given at init.
    public func write(_ image: RGBImage) throws {
        guard let handle else { throw VideoError(file: path, problem: "written after finish") }
        precondition(image.width == frameWidth && image.height == frameHeight, "VideoWriter: frame size differs from the first")
        var message = messageBuffer()
        let code = image.pixels.withUnsafeBufferPointer { hard_video_writer_write(handle, $0.baseAddress, frameWidth * 3, &message) }
        if code != 0 { throw VideoError(file: path, problem: "frame \(framesWritten + 1): \(String(cString: message))") }
        framesWritten += 1
    }

    /// Flushes the encoder, writes the MP4 index and renames the file into place.
    public func finish() throws {
        guard let h = handle else { return }
        handle = nil
        var message = messageBuffer()
        if hard_video_writer_finish(h, &message) != 0 {
            unlink(temporary)
            throw VideoError(file: path, problem: String(cString: message))
        }
        try AtomicFile.commit(temporary: temporary, to: path)
    }
}
