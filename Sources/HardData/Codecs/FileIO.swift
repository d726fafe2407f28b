#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whole-file reads and atomic writes for the codecs, with errors that name the file.
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

    /// Writes `bytes` to a temporary file in the destination's folder, flushes it to disk and
    /// renames it over `path`: readers see the old file or the whole new one, never a part.
    static func writeAtomically(_ bytes: [UInt8], to path: String) throws {
        let slash = path.lastIndex(of: "/")
        let folder = slash.map { String(path[..<$0]) }.map { $0.isEmpty ? "/" : $0 } ?? "."
        let base = slash.map { String(path[path.index(after: $0)...]) } ?? path
        if base.isEmpty { throw ImageIOError(file: path, problem: "not a file name (ends with /)") }
        let temporary = folder + "/." + base + ".tmp-\(getpid())-\(UInt32.random(in: 0 ... .max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        if fd < 0 {
            throw ImageIOError(file: path, problem: "cannot create a file in \(folder): \(reason(errno, reading: false))")
        }
        var written = 0
        var failure: Int32 = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { buffer in
                posixWrite(fd, buffer.baseAddress! + written, bytes.count - written)
            }
            if n < 0 {
                if errno == EINTR { continue }
                failure = errno
                break
            }
            written += n
        }
        if failure == 0 && fsync(fd) != 0 { failure = errno }
        if close(fd) != 0 && failure == 0 { failure = errno }
        if failure == 0 && rename(temporary, path) != 0 { failure = errno }
        if failure != 0 {
            unlink(temporary)
            throw ImageIOError(file: path, problem: "cannot write: \(reason(failure, reading: false))")
        }
    }

    /// errno as words a user can act on.
    static func reason(_ code: Int32, reading: Bool) -> String {
        switch code {
        case ENOENT: return reading ? "no such file" : "no such folder"
        case EACCES, EPERM: return "permission denied"
        case EISDIR: return "is a folder"
        case ENOSPC: return "no space left on the device"
        default: return String(cString: strerror(code))
        }
    }
}

// The free functions `read` and `write` are shadowed inside `FileIO` by `FileIO.read`;
// these names reach the C library's.
@inline(__always)
private func posixRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
    return Glibc.read(fd, buffer, count)
    #else
    return Darwin.read(fd, buffer, count)
    #endif
}

@inline(__always)
private func posixWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
    return Glibc.write(fd, buffer, count)
    #else
    return Darwin.write(fd, buffer, count)
    #endif
}
