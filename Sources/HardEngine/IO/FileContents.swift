#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Whole-file reads of checkpoints, training states, configs and logs, with errors in words.
///
/// POSIX calls rather than `Data(contentsOf:)`: errno says why a file could not be read, and
/// Foundation's reader leaked its buffer under the address sanitizer when the file grew while
/// it read (a log polled during training; `make test-sanitize`).
public enum FileContents {
    /// The bytes of `path`; a `FileError` that names the file and says why it could not be
    /// read (no such file, permission denied, is a folder) otherwise.
    public static func read(_ path: String) throws -> Data {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw FileError(file: path, problem: "cannot be read: \(FileError.reason(errno, reading: true))") }
        defer { close(fd) }
        var info = stat()
        if fstat(fd, &info) != 0 { throw FileError(file: path, problem: "cannot be read: \(FileError.reason(errno, reading: true))") }
        if (info.st_mode & S_IFMT) == S_IFDIR { throw FileError(file: path, problem: "is a folder, not a file") }
        var data = Data()
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { posixRead(fd, $0.baseAddress!, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw FileError(file: path, problem: "cannot be read: \(FileError.reason(errno, reading: true))")
            }
            if n == 0 { return data }
            data.append(contentsOf: chunk[0..<n])
        }
    }
}
