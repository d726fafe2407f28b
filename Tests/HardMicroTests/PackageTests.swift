import Foundation
import XCTest
import HardEngine
import HardMicro
@testable import HardDeploy

/// `hard mcu package`: libhard_micro.a, its header, the model as a C array and the example
/// main.c, built by arm-none-eabi-gcc the way a user's firmware would be and run under qemu's
/// Cortex-M7. Its class map and logits must equal the host int8 executor's; a damaged model
/// array must come back as HARD_MICRO_E_CHECKSUM from hard_micro_init (not a trap); a folder
/// that is not a package is never replaced.
final class PackageTests: XCTestCase {
    func testPackagedExampleIsBitExactAndRefusesADamagedModel() throws {
        let blob = BlobTests.fixture.blob
        var rng = SeededGenerator(seed: 9)
        let image = (0..<(32 * 32 * 3)).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let fm = FileManager.default
        let tmp = fm.temporaryDirectory.appendingPathComponent("hard-pkg-\(UUID().uuidString)")
        try fm.createDirectory(at: tmp, withIntermediateDirectories: true)
        defer { try? fm.removeItem(at: tmp) }
        let firmware = FirmwareTests.root.appendingPathComponent("Firmware").path
        let dir = tmp.appendingPathComponent("package")

        var summary = try McuPackage.write(blob: blob, image: image, firmwareDirectory: firmware, to: dir.path)
        let host = try Int8Executor(blob: blob, source: "fixture")
        let classes = host.classMap(rgb: image)
        XCTAssertEqual(summary.classmapFnv1a, String(format: "%08x", classes.withUnsafeBytes { fnv1a32($0) }))
        XCTAssertEqual(summary.arenaBytes, planArena(host.model).totalBytes)
        XCTAssertGreaterThan(summary.libraryBytes, 10_000)
        for file in ["include/hard_micro.h", "lib/libhard_micro.a", "model/hard_model.c", "model/hard_model.h",
                     "example/main.c", "example/Makefile", "example/input.c", "example/board/link.ld", "README.md"] {
            XCTAssertTrue(fm.fileExists(atPath: dir.appendingPathComponent(file).path), file)
        }
        // No staging folder is left beside the package.
        XCTAssertEqual(try fm.contentsOfDirectory(atPath: tmp.path), ["package"])

        try McuPackage.check(&summary)
        XCTAssertEqual(summary.bitExact, true, "\(summary)")
        XCTAssertEqual(summary.exampleClassmapFnv1a, summary.classmapFnv1a)
        XCTAssertGreaterThan(summary.exampleInstructions ?? 0, 100_000)
        XCTAssertLessThanOrEqual(summary.exampleFlashBytes ?? .max, 1024 * 1024)
        // The runtime's tables come from the C heap: a few kB, never the activations.
        XCTAssertLessThan(summary.exampleHeapBytes ?? .max, summary.arenaBytes)

        // One byte of the model array flipped, the example rebuilt: init refuses it by code.
        var damaged = blob
        damaged[damaged.count / 2] ^= 0x10
        try Data(McuPackage.cArray(name: "hard_model", bytes: damaged, include: "hard_model.h").utf8)
            .write(to: dir.appendingPathComponent("model/hard_model.c"))
        try fm.removeItem(at: dir.appendingPathComponent("example/build"))
        XCTAssertThrowsError(try McuPackage.check(&summary)) { error in
            XCTAssertTrue("\(error)".contains("status=refused code=5"), "\(error)")
        }

        // Writing again over the (now damaged) package replaces it whole: the model array is
        // the good one again, and nothing is left beside it.
        var again = try McuPackage.write(blob: blob, image: image, firmwareDirectory: firmware, to: dir.path)
        XCTAssertFalse(fm.fileExists(atPath: dir.appendingPathComponent("example/build").path))
        XCTAssertEqual(try fm.contentsOfDirectory(atPath: tmp.path), ["package"])
        try McuPackage.check(&again)
        XCTAssertEqual(again.bitExact, true)

        // A folder of the user's that is not a package stays as it was.
        let other = tmp.appendingPathComponent("notes")
        try fm.createDirectory(at: other, withIntermediateDirectories: true)
        try Data("mine".utf8).write(to: other.appendingPathComponent("todo.txt"))
        XCTAssertThrowsError(try McuPackage.write(blob: blob, image: image, firmwareDirectory: firmware, to: other.path))
        XCTAssertEqual(try fm.contentsOfDirectory(atPath: other.path), ["todo.txt"])
        XCTAssertEqual(Set(try fm.contentsOfDirectory(atPath: tmp.path)), ["package", "notes"])
    }
}
