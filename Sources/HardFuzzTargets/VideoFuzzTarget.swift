import Foundation
import HardData

/// The bytes as a video file (VideoReader takes a path: FFmpeg probes the file), opened and
/// read for up to 4 frames. Errors are right answers; a crash, a hang or an RGB frame of the
/// wrong size is a bug in the shim or in how Swift uses it.
public func fuzzVideo(_ bytes: UnsafeRawBufferPointer) {
    let path = NSTemporaryDirectory() + "hard-fuzz-video-\(getpid()).bin"
    guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else { return }
    defer { try? FileManager.default.removeItem(atPath: path) }
    guard let reader = try? VideoReader(path) else { return }
    invariant(reader.width >= 1 && reader.height >= 1 && reader.width * reader.height <= VideoReader.maxPixels,
              "opened with frames of \(reader.width)x\(reader.height)")
    for _ in 0..<4 {
        guard let frame = try? reader.next() else { return }
        invariant(frame.width == reader.width && frame.height == reader.height && frame.pixels.count == frame.width * frame.height * 3,
                  "a frame of \(frame.width)x\(frame.height) from a \(reader.width)x\(reader.height) stream")
    }
}
