#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// A file or folder that could not be read, written or listed: names the file the user gave
/// (never a temporary name) and says in words why.
public struct FileError: Error, CustomStringConvertible, Equatable {
    public let file: String
    public let problem: String

    public init(file: String, problem: String) {
        self.file = file
        self.problem = problem
    }

    public var description: String { "\(file): \(problem)" }

    /// An error of a Foundation file call (`Data.write`, `FileManager`, `String(contentsOfFile:)`)
    /// on `file`, in words: `doing` says what was tried ("cannot create the folder").
    public init(file: String, doing: String, _ error: Error) {
        self.init(file: file, problem: "\(doing): \(FileError.words(for: error))")
    }

    /// errno as words a user can act on. `ENOENT` means a missing file when reading and a
    /// missing folder when creating a file.
    public static func reason(_ code: Int32, reading: Bool) -> String {
        switch code {
        case ENOENT: return reading ? "no such file" : "no such folder"
        case EACCES, EPERM: return "permission denied"
        case EISDIR: return "is a folder"
        case ENOTDIR: return "a part of the path is a file, not a folder"
        case ENOSPC: return "no space left on the device (disk full)"
        case EDQUOT: return "disk quota exceeded"
        case EROFS: return "the file system is read-only"
        case ENAMETOOLONG: return "the name is too long"
        case EEXIST: return "already exists"
        case ELOOP: return "too many levels of symbolic links"
        case EMFILE, ENFILE: return "too many open files"
        case EIO: return "input/output error (a failing disk or a lost network mount)"
        case EFBIG: return "the file is too large for the file system"
        case EXDEV: return "cannot rename across file systems"
        case EBUSY: return "the file or folder is busy"
        default: return String(cString: strerror(code))
        }
    }

    /// A Foundation error in words: the POSIX errno underneath when there is one (the most
    /// precise reason), else the Cocoa code's meaning; any other error as it describes itself.
    /// Never the raw `Error Domain=NSCocoaErrorDomain Code=640 ...` dump.
    public static func words(for error: Error) -> String {
        if let e = error as? FileError { return e.problem }
        if let e = error as? POSIXError { return reason(e.code.rawValue, reading: true) }
        let ns = error as NSError
        if ns.domain == NSPOSIXErrorDomain { return reason(Int32(ns.code), reading: true) }
        guard ns.domain == NSCocoaErrorDomain else { return "\(error)" }
        // "No such file" from Foundation may be a missing file or a missing folder above it
        // (a write); the folder says which.
        let missing: String = {
            guard let p = (ns.userInfo[NSFilePathErrorKey] as? String) ?? (ns.userInfo[NSURLErrorKey] as? URL)?.path else {
                return "no such file"
            }
            let parent = (p as NSString).deletingLastPathComponent
            return parent.isEmpty || Folder.exists(parent) ? "no such file" : "no such folder"
        }()
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return underlying.code == Int(ENOENT) ? missing : reason(Int32(underlying.code), reading: ns.code < 512)
        }
        switch CocoaError.Code(rawValue: ns.code) {
        case .fileNoSuchFile, .fileReadNoSuchFile: return missing
        case .fileReadNoPermission, .fileWriteNoPermission: return "permission denied"
        case .fileWriteOutOfSpace: return reason(ENOSPC, reading: false)
        case .fileWriteVolumeReadOnly: return reason(EROFS, reading: false)
        case .fileWriteFileExists: return "already exists"
        case .fileReadInvalidFileName, .fileWriteInvalidFileName: return "not a valid file name"
        case .fileReadCorruptFile: return "the file is damaged"
        case .fileReadTooLarge: return "the file is too large to read"
        case .fileReadInapplicableStringEncoding, .fileWriteInapplicableStringEncoding: return "not UTF-8 text"
        case .fileReadUnsupportedScheme, .fileWriteUnsupportedScheme: return "not a local file"
        case .fileLocking: return "the file is locked"
        case .fileReadUnknown: return "cannot be read (the system gave no reason)"
        case .fileWriteUnknown: return "cannot be written (the system gave no reason)"
        default: return "file error \(ns.code)"
        }
    }

    /// True for the errors `words(for:)` translates (Foundation's file errors, POSIX errors).
    public static func isFoundationFileError(_ error: Error) -> Bool {
        if error is POSIXError { return true }
        let ns = error as NSError
        return ns.domain == NSCocoaErrorDomain || ns.domain == NSPOSIXErrorDomain
    }

    /// The file a Foundation error names (`NSFilePath`), if any, with a temporary name we
    /// made mapped back to the file it was for.
    public static func path(of error: Error) -> String? {
        guard isFoundationFileError(error) else { return nil }
        let ns = error as NSError
        guard let p = (ns.userInfo[NSFilePathErrorKey] as? String) ?? (ns.userInfo[NSURLErrorKey] as? URL)?.path else { return nil }
        return AtomicFile.finalPath(ofTemporary: p) ?? p
    }
}
