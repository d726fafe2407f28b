#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import XCTest
@testable import HardEngine

/// A fresh folder under the temporary folder, removed at the end of each test.
class ScratchTestCase: XCTestCase {
    var dir: String!

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "hard-io-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDown() {
        chmod(dir, 0o755)
        try? FileManager.default.removeItem(atPath: dir)
    }

    func path(_ name: String) -> String { dir + "/" + name }

    /// Creates a file whose name is the given bytes (not necessarily UTF-8), via POSIX open.
    func createRawName(_ name: [UInt8], contents: [UInt8] = [1, 2, 3]) throws {
        let full = Array(dir.utf8) + [0x2F] + name + [0]
        let fd = full.withUnsafeBufferPointer { p in
            open(UnsafeRawPointer(p.baseAddress!).assumingMemoryBound(to: CChar.self), O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        }
        guard fd >= 0 else { throw XCTSkip("this file system refuses non-UTF-8 names (errno \(errno))") }
        _ = contents.withUnsafeBytes { write(fd, $0.baseAddress!, $0.count) }
        close(fd)
    }

    func names() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: dir).sorted() }

    /// A process id no process has (checked).
    func deadPID() throws -> Int32 {
        for pid in [Int32(2_000_000_000), 1_999_999_999, 1_234_567_890] where kill(pid, 0) != 0 && errno == ESRCH { return pid }
        throw XCTSkip("no free process id found")
    }
}

/// The one atomic writer: replaces whole files, names the final path and the reason on
/// failure, and cleans up after killed writers.
final class AtomicFileTests: ScratchTestCase {
    func testWriteReplacesTheFileAndLeavesNoTemporary() throws {
        try AtomicFile.write(Array("first".utf8), to: path("a.txt"))
        try AtomicFile.write(Data("second".utf8), to: path("a.txt"))
        XCTAssertEqual(try String(contentsOfFile: path("a.txt"), encoding: .utf8), "second")
        XCTAssertEqual(try names(), ["a.txt"])
    }

    func testFailuresNameTheFinalPathAndSayWhyInWords() throws {
        let nowhere = path("no/such/folder/ck.safetensors")
        XCTAssertThrowsError(try AtomicFile.write([1], to: nowhere)) { error in
            let e = error as? FileError
            XCTAssertEqual(e?.file, nowhere)
            XCTAssertTrue(e?.problem.contains("no such folder") ?? false, "\(error)")
            XCTAssertFalse("\(error)".contains(".tmp-"), "\(error)")
        }
        try FileManager.default.createDirectory(atPath: path("out.onnx"), withIntermediateDirectories: false)
        XCTAssertThrowsError(try AtomicFile.write([1], to: path("out.onnx"))) {
            XCTAssertEqual("\($0)", "\(self.path("out.onnx")): is a folder, not a file; give a file name")
        }
        XCTAssertEqual(try names(), ["out.onnx"], "nothing left behind")
        if getuid() != 0 {
            chmod(dir, 0o555)
            XCTAssertThrowsError(try AtomicFile.write([1], to: path("locked.bin"))) {
                XCTAssertEqual("\($0)", "\(self.path("locked.bin")): cannot create a file in \(self.dir!): permission denied")
            }
        }
    }

    func testFoundationErrorsBecomeWordsOnTheFinalPath() {
        // The dump of issue #11: disk full while writing a checkpoint's temporary file.
        let full = CocoaError(.fileWriteOutOfSpace, userInfo: [NSFilePathErrorKey: "runs/x/.checkpoint.safetensors.tmp-24576"])
        XCTAssertEqual(FileError.words(for: full), "no space left on the device (disk full)")
        XCTAssertEqual(FileError.path(of: full), "runs/x/checkpoint.safetensors")
        // Code 512 "(null)": the errno underneath says why; without one, the words say so.
        let underlying = NSError(domain: NSPOSIXErrorDomain, code: Int(EISDIR))
        XCTAssertEqual(FileError.words(for: CocoaError(.fileWriteUnknown, userInfo: [NSUnderlyingErrorKey: underlying])), "is a folder")
        XCTAssertEqual(FileError.words(for: CocoaError(.fileWriteUnknown)), "cannot be written (the system gave no reason)")
        XCTAssertEqual(FileError.words(for: CocoaError(.fileReadNoSuchFile)), "no such file")
        XCTAssertEqual(FileError.words(for: CocoaError(.fileWriteNoPermission)), "permission denied")
        XCTAssertEqual(FileError.reason(ENOSPC, reading: false), "no space left on the device (disk full)")
        // A real Foundation failure, read through the same words.
        XCTAssertThrowsError(try Data([1]).write(to: URL(fileURLWithPath: path("missing/x.bin")))) {
            XCTAssertEqual(FileError.words(for: $0), "no such folder", "\($0)")
        }
    }

    func testTemporaryNamesAreRecognisedAndMappedBack() {
        XCTAssertEqual(AtomicFile.parseTemporaryName(".ck.safetensors.tmp-24576-9f3a")?.base, "ck.safetensors")
        XCTAssertEqual(AtomicFile.parseTemporaryName(".ck.safetensors.tmp-24576")?.pid, 24576)
        for other in ["ck.safetensors", ".lock", "a.tmp-12", ".a.tmp-", ".a.tmp-x1", ".a.tmp-12-zz", "..tmp-12", ".a.tmp-12-3-4"] {
            XCTAssertNil(AtomicFile.parseTemporaryName(other), other)
        }
        XCTAssertEqual(AtomicFile.finalPath(ofTemporary: "/r/.best.json.tmp-7-a"), "/r/best.json")
        XCTAssertTrue(AtomicFile.temporaryName(for: "x.bin").hasPrefix(".x.bin.tmp-\(getpid())-"))
    }

    func testStaleTemporariesOfDeadProcessesAreRemovedOthersKept() throws {
        let dead = try deadPID()
        let stale = [".checkpoint.safetensors.tmp-\(dead)-1f2e", ".best.json.tmp-\(dead)"]
        let kept = [".last.safetensors.tmp-\(getpid())-abc", "notes.tmp-\(dead)", ".lock", "best.json"]
        for name in stale + kept { FileManager.default.createFile(atPath: path(name), contents: Data([0])) }
        XCTAssertEqual(Set(AtomicFile.removeStaleTemporaries(in: dir)), Set(stale))
        XCTAssertEqual(try names(), kept.sorted())
    }

    func testTheFirstWriteIntoAFolderRemovesStaleTemporaries() throws {
        let stale = ".report.json.tmp-\(try deadPID())-77"
        FileManager.default.createFile(atPath: path(stale), contents: Data([0]))
        try AtomicFile.write([1], to: path("report.json"))
        XCTAssertEqual(try names(), ["report.json"])
    }
}

/// Folder listings see names as bytes: a name that is not UTF-8 is refused, named escaped.
final class FolderListingTests: ScratchTestCase {
    func testNonUTF8NameIsRefusedNamedInEscapedForm() throws {
        try createRawName(Array("a".utf8) + [0xFF] + Array(".png".utf8))
        FileManager.default.createFile(atPath: path("b.png"), contents: Data([1]))
        let raw = try Folder.rawEntries(of: dir).map(\.bytes).sorted { $0.lexicographicallyPrecedes($1) }
        XCTAssertEqual(raw, [[0x61, 0xFF, 0x2E, 0x70, 0x6E, 0x67], Array("b.png".utf8)])
        XCTAssertThrowsError(try Folder.entries(of: dir)) {
            XCTAssertEqual("\($0)", "\(self.dir!)/a\\xFF.png: the file name is not valid UTF-8; hard takes UTF-8 file names only, rename it")
        }
    }

    func testListingSortsSkipsHiddenAndSaysWhyItFails() throws {
        for n in ["b", "a", ".DS_Store"] { FileManager.default.createFile(atPath: path(n), contents: nil) }
        try createRawName([0x2E, 0xFE])   // hidden: skipped before its name is looked at
        XCTAssertEqual(try Folder.entries(of: dir), ["a", "b"])
        XCTAssertThrowsError(try Folder.entries(of: path("gone"))) {
            XCTAssertEqual("\($0)", "\(self.path("gone")): cannot list the folder: no such folder")
        }
        XCTAssertThrowsError(try Folder.entries(of: path("a"))) {
            XCTAssertEqual("\($0)", "\(self.path("a")): cannot list the folder: is a file, not a folder")
        }
    }

    func testCreateMakesParentsAndNamesAFileInTheWay() throws {
        try Folder.create(path("x/y/z"))
        XCTAssertTrue(Folder.exists(path("x/y/z")))
        try Folder.create(path("x/y/z"))   // again: fine
        FileManager.default.createFile(atPath: path("f"), contents: nil)
        XCTAssertThrowsError(try Folder.create(path("f/g"))) {
            XCTAssertEqual("\($0)", "\(self.path("f/g")): cannot create the folder: \(self.path("f")) is a file, not a folder")
        }
    }

    func testEscapingAndArgumentCheck() throws {
        XCTAssertEqual(FileName.escaped(Array("runs/ö".utf8) + [0xC3, 0x28, 0x0A]), "runs/ö\\xC3(\\x0A")
        XCTAssertEqual(FileName.decode(Array("ok.png".utf8)), "ok.png")
        XCTAssertNil(FileName.decode([0x6F, 0x75, 0x74, 0xFF]))
        XCTAssertNoThrow(try FileName.checkArguments([Array("--output".utf8), Array("masks/ü".utf8)]))
        XCTAssertThrowsError(try FileName.checkArguments([Array("--output".utf8), [0x6F, 0x75, 0x74, 0xFF]])) {
            XCTAssertEqual("\($0)", "out\\xFF: argument 2 is not valid UTF-8; hard takes UTF-8 file names and values only, rename the file")
        }
    }
}

/// An output that is one of the inputs is refused, however its path is spelled.
final class OutputGuardTests: ScratchTestCase {
    func testSpellingsAndLinksOfOneFileAreTheSameFile() throws {
        FileManager.default.createFile(atPath: path("ck.safetensors"), contents: Data([1]))
        try Folder.create(path("sub"))
        try FileManager.default.createSymbolicLink(atPath: path("link"), withDestinationPath: path("ck.safetensors"))
        for spelling in ["ck.safetensors", "./ck.safetensors", "sub/../ck.safetensors", "link"] {
            XCTAssertTrue(OutputGuard.sameFile(path(spelling), path("ck.safetensors")), spelling)
        }
        XCTAssertFalse(OutputGuard.sameFile(path("ck.json"), path("ck.safetensors")))
        // Neither exists yet: the resolved paths decide.
        XCTAssertTrue(OutputGuard.sameFile(path("sub/./new.json"), path("sub/new.json")))
        XCTAssertFalse(OutputGuard.sameFile(path("a.json"), path("b.json")))
    }

    func testCheckRefusesAnInputNamingItAndWhatItIs() throws {
        FileManager.default.createFile(atPath: path("ck.safetensors"), contents: Data([1]))
        let inputs = [OutputGuard.Input(path("ck.safetensors"), "the --checkpoint"), OutputGuard.Input(path("ck.json"), "the --checkpoint's JSON")]
        XCTAssertThrowsError(try OutputGuard.check(output: path("./ck.safetensors"), against: inputs)) {
            XCTAssertEqual("\($0)", "\(self.path("./ck.safetensors")): is the --checkpoint (\(self.path("ck.safetensors"))); writing it would destroy an input, choose another output")
        }
        XCTAssertThrowsError(try OutputGuard.check(outputs: [path("x.onnx"), path("ck.json")], against: inputs)) {
            XCTAssertTrue("\($0)".contains("is the --checkpoint's JSON"), "\($0)")
        }
        XCTAssertNoThrow(try OutputGuard.check(outputs: [path("x.onnx")], against: inputs))
    }
}

/// Command-line numbers are checked where they are parsed, naming the flag.
final class OptionValuesTests: XCTestCase {
    func testCountsLimitsAndThreads() {
        XCTAssertThrowsError(try OptionValues.count(-1, "--limit")) { XCTAssertEqual("\($0)", "--limit must be at least 1, got -1") }
        XCTAssertThrowsError(try OptionValues.count(0, "--val-images")) { XCTAssertEqual("\($0)", "--val-images must be at least 1, got 0") }
        XCTAssertThrowsError(try OptionValues.count(5000, "--batch-size", maximum: 4096)) {
            XCTAssertEqual("\($0)", "--batch-size must be 1...4096, got 5000")
        }
        XCTAssertNoThrow(try OptionValues.count(0, "--warmup", minimum: 0))
        XCTAssertThrowsError(try OptionValues.threads(100_000)) {
            XCTAssertTrue("\($0)".hasPrefix("--threads must be 1...\(OptionValues.maxThreads) "), "\($0)")
            XCTAssertTrue("\($0)".hasSuffix("got 100000"), "\($0)")
        }
        XCTAssertThrowsError(try OptionValues.threads(0))
        XCTAssertNoThrow(try OptionValues.threads(1))
        XCTAssertLessThanOrEqual(OptionValues.maxThreads, 1024)
    }

    func testSizesAndNumbers() throws {
        XCTAssertEqual(try OptionValues.size("360X640", "--input-size").width, 640)
        for (text, message) in [("8x8", "--input-size: each side must be 16...16384 pixels, got 8x8"),
                                ("20000x32", "--input-size: each side must be 16...16384 pixels, got 20000x32"),
                                ("360", "--input-size takes HxW, e.g. 360x640, got '360'"),
                                ("x360x", "--input-size takes HxW, e.g. 360x640, got 'x360x'"),
                                ("-32x32", "--input-size: each side must be 16...16384 pixels, got -32x32")] {
            XCTAssertThrowsError(try OptionValues.size(text, "--input-size")) { XCTAssertEqual("\($0)", message) }
        }
        XCTAssertThrowsError(try OptionValues.side(8, "--height")) { XCTAssertEqual("\($0)", "--height must be 16...16384 pixels, got 8") }
        XCTAssertThrowsError(try OptionValues.number(1.5, "--opacity", in: 0...1)) { XCTAssertEqual("\($0)", "--opacity must be in 0...1, got 1.5") }
        XCTAssertThrowsError(try OptionValues.number(.nan, "--opacity", in: 0...1))
        XCTAssertThrowsError(try OptionValues.positive(0, "--seconds")) { XCTAssertEqual("\($0)", "--seconds must be above 0, got 0.0") }
        XCTAssertThrowsError(try OptionValues.positive(.infinity, "--cpi"))
    }
}
