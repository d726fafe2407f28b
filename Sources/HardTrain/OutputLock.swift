#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import HardEngine

/// One training run per output folder: an exclusive `flock` on `FOLDER/.lock`, held for the
/// life of this object (the kernel releases it when the process ends, killed or not, so a
/// crashed run never leaves the folder locked). The file holds the holder's process id, for
/// the message the second run gets: `runs/x is in use by another hard train (pid 4242)`.
///
/// On a file system without `flock` (some network mounts) the run goes on unlocked.
public final class OutputLock {
    public let path: String
    private let fd: Int32

    public init(folder: String, holder: String = "hard train") throws {
        path = folder.hasSuffix("/") ? folder + ".lock" : folder + "/.lock"
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        if fd < 0 {
            let code = errno
            throw FileError(file: path, problem: "cannot create the lock file: \(FileError.reason(code, reading: false))")
        }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            if code == EWOULDBLOCK || code == EAGAIN {
                let owner = OutputLock.readOwner(fd)
                close(fd)
                throw ConfigError("\(folder) is in use by another \(holder) (pid \(owner.map(String.init) ?? "unknown"))")
            }
            return   // no locking on this file system
        }
        let text = Array("\(getpid())\n".utf8)
        if ftruncate(fd, 0) == 0 {
            _ = text.withUnsafeBytes { pwrite(fd, $0.baseAddress!, $0.count, 0) }
        }
    }

    deinit { close(fd) }

    /// The process id written in the lock file, if it holds one.
    static func readOwner(_ fd: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, $0.count, 0) }
        guard n > 0 else { return nil }
        return Int32(String(decoding: buffer[..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
