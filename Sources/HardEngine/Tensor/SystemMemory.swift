#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Work that would need more memory than the machine has, refused before it starts.
public struct MemoryError: Error, CustomStringConvertible, Equatable {
    /// What was about to run, e.g. "HARD-GPU inference at 100000x100000".
    public let what: String
    public let neededBytes: Int
    public let availableBytes: Int

    public init(what: String, neededBytes: Int, availableBytes: Int) {
        self.what = what
        self.neededBytes = neededBytes
        self.availableBytes = availableBytes
    }

    public var description: String {
        "\(what) needs \(SystemMemory.format(neededBytes)) of memory, \(SystemMemory.format(availableBytes)) available; use a smaller size or batch"
    }
}

/// How much memory this process may still use, as the kernel sees it.
///
/// Linux overcommits: a 15 GB request "succeeds" and the process is killed later, page by
/// page, by the OOM killer. So a size that cannot fit is refused *before* the work starts,
/// from an estimate (`MemoryEstimate` in HardModels), instead of waiting for malloc to fail.
public enum SystemMemory {
    /// MemAvailable from /proc/meminfo, lowered to the cgroup's remaining limit when the
    /// process runs in a container with one (cgroup v2 `memory.max` − `memory.current`).
    /// Elsewhere, the physical memory.
    public static func availableBytes() -> Int {
        #if os(Linux)
        var available = meminfoAvailable() ?? Int.max
        if let limit = readInteger("/sys/fs/cgroup/memory.max"), let used = readInteger("/sys/fs/cgroup/memory.current") {
            available = min(available, max(0, limit - used))
        }
        return available == Int.max ? physicalBytes() : available
        #else
        return physicalBytes()
        #endif
    }

    /// Throws `MemoryError` when `bytes` exceed what is available.
    public static func require(_ bytes: Int, for what: String) throws {
        let available = availableBytes()
        if bytes > available { throw MemoryError(what: what, neededBytes: bytes, availableBytes: available) }
    }

    /// "1.2 GB", "340 MB" (decimal units, as `free -h` and most tools print them for sizes).
    public static func format(_ bytes: Int) -> String {
        let b = Double(bytes)
        if b >= 1e9 { return b >= 1e11 ? "\(Int((b / 1e9).rounded())) GB" : "\(Double(Int((b / 1e8).rounded())) / 10) GB" }
        return "\(Int((b / 1e6).rounded())) MB"
    }

    static func physicalBytes() -> Int {
        let pages = sysconf(Int32(_SC_PHYS_PAGES)), size = sysconf(Int32(_SC_PAGESIZE))
        return pages > 0 && size > 0 ? pages * size : Int.max
    }

    #if os(Linux)
    static func meminfoAvailable() -> Int? {
        guard let text = readText("/proc/meminfo") else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("MemAvailable:") {
            let fields = line.split(separator: " ")
            if fields.count >= 2, let kib = Int(fields[1]) { return kib * 1024 }
        }
        return nil
    }

    /// An integer file such as cgroup's memory.max; nil for "max" (no limit) or no file.
    static func readInteger(_ path: String) -> Int? {
        readText(path).flatMap { Int($0.split(separator: "\n").first ?? "") }
    }

    static func readText(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: 16384)
        let n = bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
        guard n > 0 else { return nil }
        return String(decoding: bytes[0..<n], as: UTF8.self)
    }
    #endif
}
