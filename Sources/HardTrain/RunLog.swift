import Foundation
import HardNN   // writeAtomically

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
    public var elapsedSeconds: Double? = nil

    public init(iteration: Int, kind: String) {
        self.iteration = iteration
        self.kind = kind
    }

    enum CodingKeys: String, CodingKey {
        case iteration = "iter", kind, loss
        case lossMain = "loss_main", lossAux = "loss_aux", learningRate = "lr", imagesPerSecond = "images_per_s"
        case valMIoU = "val_miou", valPixelAccuracy = "val_pixel_accuracy", elapsedSeconds = "elapsed_s"
    }
}

/// The JSON-lines log of a run. Lines are appended and flushed one by one, so a killed
/// run keeps every line written before the kill; a resumed run first drops the lines past
/// its checkpoint (rewriting the file atomically), so the log never counts an iteration twice.
public final class RunLog {
    public let path: String
    private let handle: FileHandle

    public init(path: String, keepThrough iteration: Int? = nil) throws {
        self.path = path
        let fm = FileManager.default
        if let iteration, fm.fileExists(atPath: path) {
            let kept = try RunLog.read(path).filter { $0.iteration <= iteration }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            var data = Data()
            for e in kept { data.append(try encoder.encode(e)); data.append(0x0a) }
            try writeAtomically(data, to: path)
        } else {
            guard fm.createFile(atPath: path, contents: nil) else { throw ConfigError("\(path): cannot be created") }
        }
        guard let h = FileHandle(forWritingAtPath: path) else { throw ConfigError("\(path): cannot be opened for writing") }
        handle = h
        handle.seekToEndOfFile()
    }

    deinit { try? handle.close() }

    public func append(_ entry: LogEntry) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard var data = try? encoder.encode(entry) else { return }
        data.append(0x0a)
        handle.write(data)
    }

    /// Every complete line of a log; a torn last line (killed mid-write) is skipped.
    public static func read(_ path: String) throws -> [LogEntry] {
        guard let data = FileManager.default.contents(atPath: path) else { throw ConfigError("\(path): cannot be read") }
        let decoder = JSONDecoder()
        return data.split(separator: 0x0a).compactMap { try? decoder.decode(LogEntry.self, from: Data($0)) }
    }
}
