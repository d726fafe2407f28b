#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Refuses an output file that is one of the command's inputs (`hard export onnx
/// --checkpoint ck.safetensors -o ck.safetensors` would replace the checkpoint with a graph).
///
/// Two paths are the same file when both exist and have one device and inode (so `./ck`,
/// `runs/../ck`, a symbolic or a hard link, and on a case-insensitive disk `CK`, all
/// count), or, when one does not exist yet, when their resolved paths are equal.
public enum OutputGuard {
    /// An input of a command: its path and what it is, in the user's words ("the --checkpoint").
    public struct Input {
        public let path: String
        public let what: String
        public init(_ path: String, _ what: String) {
            self.path = path
            self.what = what
        }
    }

    /// Throws naming `output` when it is the same file as one of `inputs`.
    public static func check(output: String, against inputs: [Input]) throws {
        for input in inputs where sameFile(output, input.path) {
            let also = input.path == output ? "" : " (\(input.path))"
            throw FileError(file: output, problem: "is \(input.what)\(also); writing it would destroy an input, choose another output")
        }
    }

    /// `check` for each of `outputs`, in time linear in the number of paths (a folder of
    /// thousands of images against their outputs).
    public static func check(outputs: [String], against inputs: [Input]) throws {
        var existing: [FileID: Input] = [:], missing: [String: Input] = [:]
        for input in inputs {
            if let id = FileID(input.path) {
                if existing[id] == nil { existing[id] = input }
            } else {
                let r = resolved(input.path)
                if missing[r] == nil { missing[r] = input }
            }
        }
        for output in outputs {
            // An output that exists can only be an input that exists, and the other way round.
            let hit: Input?
            if let id = FileID(output) { hit = existing[id] } else { hit = missing[resolved(output)] }
            if let hit { try check(output: output, against: [hit]) }
        }
    }

    /// A file's device and inode.
    struct FileID: Hashable {
        let device: UInt64, inode: UInt64
        init?(_ path: String) {
            var info = stat()
            guard stat(path, &info) == 0 else { return nil }
            device = UInt64(info.st_dev)
            inode = UInt64(info.st_ino)
        }
    }

    /// Whether two paths name the same file or folder.
    public static func sameFile(_ a: String, _ b: String) -> Bool {
        let ia = FileID(a), ib = FileID(b)
        if let ia, let ib { return ia == ib }
        if (ia == nil) != (ib == nil) { return false }
        return resolved(a) == resolved(b)
    }

    /// The absolute path with `.`, `..` and symbolic links resolved as far as the path
    /// exists; the missing rest appended as written (without `.` and `..` parts).
    public static func resolved(_ path: String) -> String {
        if let r = realPath(path) { return r }
        let (folder, base) = AtomicFile.split(path)
        if base.isEmpty || base == "." || base == ".." || folder == path { return absolute(path) }
        let parent = resolved(folder)
        return parent.hasSuffix("/") ? parent + base : parent + "/" + base
    }

    static func realPath(_ path: String) -> String? {
        guard let p = realpath(path, nil) else { return nil }
        defer { free(p) }
        return String(cString: p)
    }

    static func absolute(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&buffer, buffer.count) != nil else { return path }
        let cwd = buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        return cwd.hasSuffix("/") ? cwd + path : cwd + "/" + path
    }
}
