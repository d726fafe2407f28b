#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import HardEngine

/// Whole-file reads for the codecs (writes go through `AtomicFile`), with errors that name the file.
///
/// POSIX calls rather than Foundation's `Data(contentsOf:)`: errno says *why* a file could
/// not be read (missing, permission, a folder), and that reason is what the user needs.
enum FileIO {
    /// A single image file larger than this is refused rather than read into memory.
    static let maxFileBytes = 1 << 30

    /// Reads all bytes of a regular file.
    static func read(_ path: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw ImageIOError(file: path, problem: reason(errno, reading: true)) }
        defer { close(fd) }
        var info = stat()
        if fstat(fd, &info) != 0 { throw ImageIOError(file: path, problem: reason(errno, reading: true)) }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            throw ImageIOError(file: path, problem: "is a folder, not an image file")
        }
        if (info.st_mode & S_IFMT) != S_IFREG {
            throw ImageIOError(file: path, problem: "is not a regular file")
        }
        let size = Int(info.st_size)
        if size == 0 { throw ImageIOError(file: path, problem: "file is empty") }
        if size > maxFileBytes {
            throw ImageIOError(file: path, problem: "file is \(size) bytes, over the \(maxFileBytes >> 20) MiB limit for one image")
        }
        var bytes = [UInt8](repeating: 0, count: size)
        var filled = 0
        while filled < size {
            let n = bytes.withUnsafeMutableBytes { buffer in
                posixRead(fd, buffer.baseAddress! + filled, size - filled)
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw ImageIOError(file: path, problem: reason(errno, reading: true))
            }
            if n == 0 { break } // the file shrank while we read it; decode what is there
            filled += n
        }
        if filled < size { bytes.removeSubrange(filled...) }
        if bytes.isEmpty { throw ImageIOError(file: path, problem: "file is empty") }
        return bytes
    }

    /// Writes `bytes` atomically (`AtomicFile`), as an image error naming `path`.
    static func writeAtomically(_ bytes: [UInt8], to path: String) throws {
        do { try AtomicFile.write(bytes, to: path) } catch let e as FileError {
            throw ImageIOError(file: e.file, problem: e.problem)
        }
    }

    /// errno as words a user can act on.
    static func reason(_ code: Int32, reading: Bool) -> String { FileError.reason(code, reading: reading) }
}
