#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// The C library's read(2) and write(2), named through their module: inside a type with a
// method called `read` or `write` (FileIO, RunLog, AtomicFile) the bare names mean the method.
// `package`: for the readers and writers of HardData and HardTrain, not a public API.

@inline(__always)
package func posixRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
    return Glibc.read(fd, buffer, count)
    #else
    return Darwin.read(fd, buffer, count)
    #endif
}

@inline(__always)
package func posixWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
    return Glibc.write(fd, buffer, count)
    #else
    return Darwin.write(fd, buffer, count)
    #endif
}

/// Writes all of `buffer` to `fd`, again after short writes and EINTR; 0, or the errno of the
/// failure (disk full, a closed pipe) for the caller to name its file with.
package func posixWriteAll(_ fd: Int32, _ buffer: UnsafeRawBufferPointer) -> Int32 {
    var written = 0
    while written < buffer.count {
        let n = posixWrite(fd, buffer.baseAddress! + written, buffer.count - written)
        if n < 0 {
            if errno == EINTR { continue }
            return errno
        }
        written += n
    }
    return 0
}
