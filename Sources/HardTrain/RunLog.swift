#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import HardEngine

/// One line of a run's JSON-lines log (`train.jsonl`).
public struct LogEntry: Codable, Sendable, Equatable {
    public var iteration: Int
    public var kind: String              // "train" or "val"
    public var loss: Double? = nil
    public var lossMain: Double? = nil
    public var lossAux: Double? = nil
    public var learningRate: Double? = nil
    public var imagesPerSecond: Double? = nil
    public var valMIoU: Double? = nil
    public var valPixelAccuracy: Double? = nil
    /// Classification (pretraining) runs: top-1 and top-5 accuracy instead of mIoU.
    public var valTop1: Double? = nil
    public var valTop5: Double? = nil
    public var elapsedSeconds: Double? = nil

    public init(iteration: Int, kind: String) {
        self.iteration = iteration
        self.kind = kind
    }

    enum CodingKeys: String, CodingKey {
        case iteration = "iter", kind, loss
        case lossMain = "loss_main", lossAux = "loss_aux", learningRate = "lr", imagesPerSecond = "images_per_s"
        case valMIoU = "val_miou", valPixelAccuracy = "val_pixel_accuracy", elapsedSeconds = "elapsed_s"
        case valTop1 = "val_top1", valTop5 = "val_top5"
    }
}

/// The JSON-lines log of a run. Lines are appended and flushed one by one, so a killed
/// run keeps every line written before the kill; a resumed run first drops the lines past
/// its checkpoint (rewriting the file atomically), so the log never counts an iteration twice.
public final class RunLog {
    public let path: String
    private let fd: Int32

    public init(path: String, keepThrough iteration: Int? = nil) throws {
        self.path = path
        var append = false
        if let iteration, FileManager.default.fileExists(atPath: path) {
            let kept = try RunLog.read(path).filter { $0.iteration <= iteration }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            var data = Data()
            for e in kept { data.append(try encoder.encode(e)); data.append(0x0a) }
            try AtomicFile.write(data, to: path)
            append = true
        }
        fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | (append ? 0 : O_TRUNC), 0o644)
        if fd < 0 {
            let code = errno
            throw FileError(file: path, problem: "cannot create the log: \(FileError.reason(code, reading: false))")
        }
    }

    deinit { close(fd) }

    /// Appends one line; a failure (disk full) is an error naming the log, not a crash.
    public func append(_ entry: LogEntry) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var bytes = [UInt8](try encoder.encode(entry))
        bytes.append(0x0a)
        let code = bytes.withUnsafeBytes { posixWriteAll(fd, $0) }
        if code != 0 { throw FileError(file: path, problem: "cannot append to the log: \(FileError.reason(code, reading: false))") }
    }

    /// Every complete line of a log; a torn last line (killed mid-write) is skipped.
    public static func read(_ path: String) throws -> [LogEntry] {
        let data: Data
        do { data = try FileContents.read(path) } catch let e as FileError {
            throw FileError(file: path, problem: "the log \(e.problem)")
        }
        let decoder = JSONDecoder()
        return data.split(separator: 0x0a).compactMap { try? decoder.decode(LogEntry.self, from: Data($0)) }
    }
}
