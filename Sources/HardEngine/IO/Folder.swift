#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Folders through POSIX: listings that see a file name's bytes as they are, and folder
/// creation whose errors say why.
///
/// `FileManager` hands back names as `String`s with every byte that is not UTF-8 replaced
/// by U+FFFD, so a listed `a\xFF.png` would then be opened as `a\u{FFFD}.png`: "no such
/// file" for a file that is there, or another file altogether. Paths in this project are
/// UTF-8 `String`s, so a name that is not UTF-8 is refused, named in its escaped form.
public enum Folder {
    /// One entry of a folder: its bytes, and the name when they are UTF-8.
    public struct RawEntry {
        public let bytes: [UInt8]
        public let name: String?
    }

    /// The entries of `folder` except `.` and `..`, in the order the file system gives.
    public static func rawEntries(of folder: String) throws -> [RawEntry] {
        guard let dir = opendir(folder) else {
            let code = errno
            throw FileError(file: folder, problem: "cannot list the folder: \(folderReason(code))")
        }
        defer { closedir(dir) }
        var entries: [RawEntry] = []
        while true {
            errno = 0
            guard let entry = readdir(dir) else {
                if errno != 0 {
                    let code = errno
                    throw FileError(file: folder, problem: "cannot list the folder: \(folderReason(code))")
                }
                break
            }
            let bytes: [UInt8] = withUnsafePointer(to: &entry.pointee.d_name) { tuple in
                tuple.withMemoryRebound(to: UInt8.self, capacity: MemoryLayout.size(ofValue: tuple.pointee)) { p in
                    Array(UnsafeBufferPointer(start: p, count: strlen(UnsafeRawPointer(p).assumingMemoryBound(to: CChar.self))))
                }
            }
            if bytes == [0x2E] || bytes == [0x2E, 0x2E] { continue }
            entries.append(RawEntry(bytes: bytes, name: FileName.decode(bytes)))
        }
        return entries
    }

    /// The names in `folder`, sorted (the same sample order on every machine); hidden ones
    /// (starting with ".") left out unless `hidden`. A name that is not UTF-8 is an error
    /// naming it, e.g. `photos/a\xFF.png: the file name is not valid UTF-8 ...`.
    public static func entries(of folder: String, hidden: Bool = false) throws -> [String] {
        var names: [String] = []
        for e in try rawEntries(of: folder) where hidden || e.bytes.first != 0x2E {
            guard let name = e.name else {
                throw FileError(file: join(folder, FileName.escaped(e.bytes)),
                                problem: "the file name is not valid UTF-8; hard takes UTF-8 file names only, rename it")
            }
            names.append(name)
        }
        return names.sorted()
    }

    /// Whether `path` is a folder (following symbolic links).
    public static func exists(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// Creates `path` and the folders above it that are missing (as `mkdir -p`).
    public static func create(_ path: String) throws {
        if path.isEmpty { throw FileError(file: path, problem: "an empty folder name") }
        if exists(path) { return }
        var prefix = path.hasPrefix("/") ? "/" : ""
        for part in path.split(separator: "/") {
            prefix += part
            if mkdir(prefix, 0o755) != 0 {
                let code = errno
                if !(code == EEXIST && exists(prefix)) {
                    let why = code == EEXIST || code == ENOTDIR ? "\(prefix) is a file, not a folder" : FileError.reason(code, reading: false)
                    throw FileError(file: path, problem: "cannot create the folder: \(why)")
                }
            }
            prefix += "/"
        }
    }

    static func folderReason(_ code: Int32) -> String {
        switch code {
        case ENOENT: return "no such folder"
        case ENOTDIR: return "is a file, not a folder"
        default: return FileError.reason(code, reading: true)
        }
    }

    static func join(_ folder: String, _ name: String) -> String {
        folder.hasSuffix("/") ? folder + name : folder + "/" + name
    }
}

/// File names as bytes: UTF-8 checked, and shown escaped when they are not.
public enum FileName {
    /// The name when `bytes` are valid UTF-8, else nil (never a repaired string).
    public static func decode(_ bytes: [UInt8]) -> String? {
        var parser = Unicode.UTF8.ForwardParser()
        var it = bytes.makeIterator()
        var text = String.UnicodeScalarView()
        while true {
            switch parser.parseScalar(from: &it) {
            case .valid(let encoded): text.append(Unicode.UTF8.decode(encoded))
            case .error: return nil
            case .emptyInput: return String(text)
            }
        }
    }

    /// A printable form: valid UTF-8 as it is, every other byte (and control characters)
    /// as `\xFF`.
    public static func escaped(_ bytes: [UInt8]) -> String {
        var parser = Unicode.UTF8.ForwardParser()
        var it = bytes.makeIterator()
        var out = ""
        var offset = 0
        func hex(_ b: UInt8) -> String { "\\x" + (b < 16 ? "0" : "") + String(b, radix: 16, uppercase: true) }
        while true {
            switch parser.parseScalar(from: &it) {
            case .valid(let encoded):
                let scalar = Unicode.UTF8.decode(encoded)
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    out += hex(UInt8(scalar.value))
                } else {
                    out.unicodeScalars.append(scalar)
                }
                offset += encoded.count
            case .error(let length):
                for b in bytes[offset..<(offset + length)] { out += hex(b) }
                offset += length
            case .emptyInput:
                return out
            }
        }
    }

    /// Throws on the first command-line argument (`argv[1...]`) that is not UTF-8: the shell
    /// passes bytes, Swift would replace the bad ones, and the command would then read or
    /// write another file than the one named (`--output out\xFF` written to `out\u{FFFD}`).
    public static func checkArguments(_ arguments: [[UInt8]]) throws {
        for (i, arg) in arguments.enumerated() where decode(arg) == nil {
            throw FileError(file: escaped(arg),
                            problem: "argument \(i + 1) is not valid UTF-8; hard takes UTF-8 file names and values only, rename the file")
        }
    }
}
