#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// The one atomic file writer of the project (checkpoints, training state, ONNX graphs,
/// model blobs, images, reports, logs rewritten on resume).
///
/// The bytes go to a temporary file beside the destination (`.NAME.tmp-PID-RANDOM`: hidden,
/// unique per process and call), are flushed to disk, and the file is renamed over `path`:
/// readers see the old file or the whole new one, never a part, and a failed write leaves
/// the old file as it was. POSIX calls rather than `Data.write`, so that a failure says in
/// words why (disk full, no such folder, permission denied, is a folder) and names `path`,
/// not the temporary name. A killed process leaves its temporary behind; the first write
/// into a folder removes those of processes that no longer run.
public enum AtomicFile {
    public static func write(_ data: Data, to path: String) throws {
        try data.withUnsafeBytes { try write(buffer: $0, to: path) }
    }

    public static func write(_ bytes: [UInt8], to path: String) throws {
        try bytes.withUnsafeBytes { try write(buffer: $0, to: path) }
    }

    public static func write(_ text: String, to path: String) throws {
        try write(Array(text.utf8), to: path)
    }

    public static func write(buffer: UnsafeRawBufferPointer, to path: String) throws {
        let temporary = try temporaryPath(for: path)
        let folder = split(path).0
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        if fd < 0 {
            let code = errno
            throw FileError(file: path, problem: "cannot create a file in \(folder): \(FileError.reason(code, reading: false))")
        }
        var failure = posixWriteAll(fd, buffer)
        if failure == 0 && fsync(fd) != 0 { failure = errno }
        if close(fd) != 0 && failure == 0 { failure = errno }
        if failure == 0 && rename(temporary, path) != 0 { failure = errno }
        if failure != 0 {
            unlink(temporary)
            throw FileError(file: path, problem: "cannot write: \(FileError.reason(failure, reading: false))")
        }
        // The rename is durable once the folder is flushed too (best effort: not every
        // file system lets a folder be opened for fsync).
        let dir = open(folder, O_RDONLY | O_CLOEXEC)
        if dir >= 0 { _ = fsync(dir); close(dir) }
    }

    // MARK: Streamed writes

    /// For a writer that streams into a file it opens itself (a video encoder): a temporary
    /// path beside `path`, named as this writer names its own, so a killed run's file is
    /// removed like the others. Write there, then `commit(temporary:to:)`, or `unlink` it.
    public static func temporaryPath(for path: String) throws -> String {
        let (folder, base) = split(path)
        if base.isEmpty || base == "." || base == ".." {
            throw FileError(file: path, problem: "not a file name (ends with / or is . or ..)")
        }
        var info = stat()
        if stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR {
            throw FileError(file: path, problem: "is a folder, not a file; give a file name")
        }
        removeStaleTemporariesOnce(in: folder)
        return folder + "/" + temporaryName(for: base)
    }

    /// Flushes a complete temporary file to disk and renames it over `path`; on failure the
    /// temporary is removed and the error names `path`.
    public static func commit(temporary: String, to path: String) throws {
        let fd = open(temporary, O_RDONLY | O_CLOEXEC)
        var failure: Int32 = fd < 0 ? errno : 0
        if fd >= 0 {
            if fsync(fd) != 0 { failure = errno }
            close(fd)
        }
        if failure == 0 && rename(temporary, path) != 0 { failure = errno }
        if failure != 0 {
            unlink(temporary)
            throw FileError(file: path, problem: "cannot write: \(FileError.reason(failure, reading: false))")
        }
        let dir = open(split(path).folder, O_RDONLY | O_CLOEXEC)
        if dir >= 0 { _ = fsync(dir); close(dir) }
    }

    // MARK: Temporary names

    /// `.NAME.tmp-PID-RANDOM` for the file NAME.
    static func temporaryName(for base: String) -> String {
        ".\(base).tmp-\(getpid())-\(String(UInt32.random(in: 0 ... .max), radix: 16))"
    }

    /// The name part and the process id of a temporary name this writer makes
    /// (`.NAME.tmp-PID-RANDOM`, and `.NAME.tmp-PID` of earlier versions); nil for any other name.
    public static func parseTemporaryName(_ name: String) -> (base: String, pid: Int32)? {
        guard name.hasPrefix("."), let marker = name.range(of: ".tmp-", options: .backwards),
              marker.lowerBound > name.index(after: name.startIndex) else { return nil }
        let tail = name[marker.upperBound...].split(separator: "-", omittingEmptySubsequences: false)
        guard tail.count == 1 || tail.count == 2, !tail[0].isEmpty, tail[0].allSatisfy(\.isASCII),
              let pid = Int32(tail[0]), pid > 0 else { return nil }
        if tail.count == 2 {
            guard !tail[1].isEmpty, tail[1].count <= 8, tail[1].allSatisfy(\.isHexDigit) else { return nil }
        }
        return (String(name[name.index(after: name.startIndex)..<marker.lowerBound]), pid)
    }

    /// For a path whose last part is one of our temporary names, the path it was written for.
    public static func finalPath(ofTemporary path: String) -> String? {
        let (folder, base) = split(path)
        guard let parsed = parseTemporaryName(base) else { return nil }
        return path.contains("/") ? folder + "/" + parsed.base : parsed.base
    }

    /// Removes from `folder` the temporary files of processes that no longer run (a killed
    /// write, a killed training run); those of running processes, this one included, stay.
    /// Returns the names removed.
    @discardableResult
    public static func removeStaleTemporaries(in folder: String) -> [String] {
        guard let names = try? Folder.rawEntries(of: folder) else { return [] }
        var removed: [String] = []
        for case let name? in names.map(\.name) {
            guard let (_, pid) = parseTemporaryName(name), pid != getpid(), !isRunning(pid) else { continue }
            var info = stat()
            let path = folder + "/" + name
            guard lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { continue }
            if unlink(path) == 0 { removed.append(name) }
        }
        return removed
    }

    /// Whether a process with this id exists (one we may not signal exists too).
    public static func isRunning(_ pid: Int32) -> Bool {
        guard pid > 0 else { return false }
        return kill(pid, 0) == 0 || errno == EPERM
    }

    private static let cleanedLock = NSLock()
    nonisolated(unsafe) private static var cleanedFolders = Set<String>()

    /// Cleans each folder once per process, at the first write into it.
    static func removeStaleTemporariesOnce(in folder: String) {
        cleanedLock.lock()
        let first = cleanedFolders.insert(folder).inserted
        cleanedLock.unlock()
        if first { removeStaleTemporaries(in: folder) }
    }

    /// ("a/b", "c.png") for "a/b/c.png"; "." for a bare name, "/" for a file at the root.
    static func split(_ path: String) -> (folder: String, base: String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        let folder = String(path[..<slash])
        return (folder.isEmpty ? "/" : folder, String(path[path.index(after: slash)...]))
    }
}

/// Writes `data` to `path` atomically (see `AtomicFile`).
public func writeAtomically(_ data: Data, to path: String) throws {
    try AtomicFile.write(data, to: path)
}
