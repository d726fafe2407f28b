#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import HardEngine
import SwiftProtobuf

/// TFRecord framing, the container of TensorBoard's events files: each record is
///
///     length              UInt64, little-endian
///     masked CRC-32C      UInt32, little-endian, of the 8 length bytes
///     data                `length` bytes (here a serialized `Event`)
///     masked CRC-32C      UInt32, little-endian, of the data
///
/// The length has its own checksum so that a reader can tell a torn or damaged length
/// from a huge record before it tries to read that many bytes.
enum TFRecord {
    static func frame(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(data.count + 16)
        func put<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        put(UInt64(data.count))
        put(CRC32C.masked(CRC32C.checksum(Array(out))))
        out.append(contentsOf: data)
        put(CRC32C.masked(CRC32C.checksum(data)))
        return out
    }
}

/// A TensorBoard events file: `events.out.tfevents.<unix seconds>.<hostname>` in a folder,
/// opened by `tensorboard --logdir` on that folder or one above it.
///
/// Every record goes to the file with one write(2) as it is added, so a live TensorBoard
/// sees each point at once and a killed run keeps every whole record written before the
/// kill (TensorBoard stops at a torn last record). `flush()` also forces them to disk.
///
/// A writer always makes a new file and never opens an existing one: a resumed run, or
/// a second run in one folder, leaves earlier files as they were, and TensorBoard merges
/// the files of a folder in name order (the name starts with the time; a name taken in
/// the same second gets `.1`, `.2`, ...).
///
/// Failures are `FileError`s naming the file, with the reason in words (disk full, no such
/// folder); a record that could not be written whole is cut off again, so the file always
/// ends at a whole record.
public final class TensorBoardWriter {
    /// The events file.
    public let path: String
    private let fd: Int32
    /// Bytes written: where the next record starts, and where a failed one is cut back to.
    private var size: off_t = 0

    /// The version string of the first record: TensorBoard reads files of version 2 with
    /// its current loader (restarts marked by `SessionLog.START`, not guessed from steps).
    static let fileVersion = "brain.Event:2"

    /// Creates a new events file in `folder` (which must exist) named for `now` and
    /// `hostname`, and writes its first record, the file version.
    public init(folder: String, now: Date = Date(), hostname: String = TensorBoardWriter.hostname()) throws {
        let stem = (folder as NSString).appendingPathComponent("events.out.tfevents.\(Int(now.timeIntervalSince1970)).\(hostname)")
        var candidate = stem
        var fd: Int32 = -1
        for n in 0... {
            candidate = n == 0 ? stem : "\(stem).\(n)"
            fd = open(candidate, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0o644)
            if fd >= 0 || errno != EEXIST || n == 99 { break }
        }
        if fd < 0 {
            let code = errno
            throw FileError(file: candidate, problem: "cannot create the TensorBoard events file: \(FileError.reason(code, reading: false))")
        }
        self.fd = fd
        path = candidate
        var first = Tensorboard_Event()
        first.wallTime = now.timeIntervalSince1970
        first.fileVersion = Self.fileVersion
        try write(first)
    }

    deinit { close(fd) }

    /// One event of scalars at `step` (the training iteration): each becomes a point of
    /// the chart named by its tag.
    public func addScalars(_ values: [(tag: String, value: Double)], step: Int, wallTime: Date = Date()) throws {
        var summary = Tensorboard_Summary()
        summary.value = values.map { tag, value in
            var v = Tensorboard_Summary.Value()
            v.tag = tag
            v.simpleValue = Float(value)
            return v
        }
        try write(summary, step: step, wallTime: wallTime)
    }

    /// One image at `step`: `png` is a PNG file's bytes of an RGB image `width` x `height`.
    public func addImage(tag: String, png: [UInt8], width: Int, height: Int, step: Int, wallTime: Date = Date()) throws {
        var image = Tensorboard_Summary.Image()
        image.width = Int32(clamping: width)
        image.height = Int32(clamping: height)
        image.colorspace = 3   // RGB
        image.encodedImageString = Data(png)
        var v = Tensorboard_Summary.Value()
        v.tag = tag
        v.image = image
        var summary = Tensorboard_Summary()
        summary.value = [v]
        try write(summary, step: step, wallTime: wallTime)
    }

    /// Marks the start of a training session at `step`. The first in a folder marks the
    /// run's start; each later one a restart, and TensorBoard then drops every point of
    /// earlier files at `step` or past it (what a killed run logged after the checkpoint
    /// its resumption started from).
    public func addSessionStart(step: Int, wallTime: Date = Date()) throws {
        var event = Tensorboard_Event()
        event.wallTime = wallTime.timeIntervalSince1970
        event.step = Int64(step)
        var log = Tensorboard_SessionLog()
        log.status = .start
        event.sessionLog = log
        try write(event)
    }

    /// Forces what was written to disk (the records are already in the file for readers).
    public func flush() throws {
        if fsync(fd) != 0 {
            let code = errno
            // A pipe or a special file cannot be synced and needs not be.
            if code == EINVAL || code == EROFS { return }
            throw FileError(file: path, problem: "cannot flush the TensorBoard events file: \(FileError.reason(code, reading: false))")
        }
    }

    private func write(_ summary: Tensorboard_Summary, step: Int, wallTime: Date) throws {
        var event = Tensorboard_Event()
        event.wallTime = wallTime.timeIntervalSince1970
        event.step = Int64(step)
        event.summary = summary
        try write(event)
    }

    private func write(_ event: Tensorboard_Event) throws {
        let record: [UInt8]
        do { record = TFRecord.frame(try event.serializedBytes()) } catch {
            throw FileError(file: path, problem: "cannot encode a TensorBoard event: \(error)")
        }
        let code = record.withUnsafeBytes { posixWriteAll(fd, $0) }
        if code != 0 {
            _ = ftruncate(fd, size)   // no torn record left for TensorBoard to stop at
            throw FileError(file: path, problem: "cannot append to the TensorBoard events file: \(FileError.reason(code, reading: false))")
        }
        size += off_t(record.count)
    }

    /// This machine's name for the file name (TensorBoard shows none of it; the name keeps
    /// files of several machines writing into one shared folder apart). Never empty, and
    /// never a path: a `/` becomes `_`.
    public static func hostname() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return name.isEmpty ? "localhost" : name.replacingOccurrences(of: "/", with: "_")
    }
}
