#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
@testable import HardData
import XCTest

/// A dataset file whose name is not UTF-8 used to be listed with U+FFFD in place of its bad
/// bytes, then reported as "missing mask" or "no such file" although it exists. It is now
/// refused at listing, named in escaped form.
final class NonUTF8NameTests: XCTestCase {
    var scratch: ScratchFolder!

    override func setUpWithError() throws { scratch = try ScratchFolder() }
    override func tearDown() { scratch.remove() }

    func createRaw(_ folder: String, _ name: [UInt8]) throws {
        let full = Array(scratch.file(folder).utf8) + [0x2F] + name + [0]
        let fd = full.withUnsafeBufferPointer { open(UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self), O_WRONLY | O_CREAT, 0o644) }
        guard fd >= 0 else { throw XCTSkip("this file system refuses non-UTF-8 names") }
        close(fd)
    }

    func testFolderDatasetRefusesANonUTF8ImageNameNamingIt() throws {
        try scratch.write("""
            {"classes": [{"name": "road", "color": [128, 64, 128]}, {"name": "car", "color": [0, 0, 142]}]}
            """, "classes.json")
        try ImageFile.writePNG(patternImage(width: 16, height: 8), to: scratch.prepare("images/a.png"))
        try ImageFile.writeLabelPNG(LabelMap(width: 16, height: 8), to: scratch.prepare("masks/a.png"))
        XCTAssertEqual(try FolderDataset(root: scratch.path).count, 1)
        try createRaw("images", [0x62, 0xFF] + Array(".png".utf8))
        try createRaw("masks", [0x62, 0xFF] + Array(".png".utf8))
        XCTAssertEqual(expectError(DatasetError.self) { _ = try FolderDataset(root: self.scratch.path) },
                       DatasetError(file: scratch.file("images/b\\xFF.png"),
                                    problem: "the file name is not valid UTF-8; hard takes UTF-8 file names only, rename it"))
    }
}
