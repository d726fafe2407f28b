import Foundation
import XCTest
import HardEngine
import HardMicro
@testable import HardDeploy

/// The real firmware: Firmware/ built with Embedded Swift around a quantized HARD-Edge, run
/// on qemu's Cortex-M7. Its class map must equal the host int8 executor's bit for bit, and a
/// damaged blob must be refused by the firmware too. Needs qemu-system-arm and
/// gcc-arm-none-eabi (scripts/bootstrap.sh installs them; make test runs it).
final class FirmwareTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func buildAndRun(blob: [UInt8], input: [UInt8]) throws -> FirmwareRun {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hard-fw-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data(blob).write(to: dir.appendingPathComponent("model.hrdq"))
        try Data(input).write(to: dir.appendingPathComponent("input.rgb"))
        let elf = try MicroFirmware.build(firmwareDirectory: Self.root.appendingPathComponent("Firmware").path,
                                          buildDirectory: dir.appendingPathComponent("build").path,
                                          blob: dir.appendingPathComponent("model.hrdq").path,
                                          input: dir.appendingPathComponent("input.rgb").path)
        return try MicroFirmware.run(elf: elf, timeout: 120)
    }

    func testFirmwareIsBitExactWithTheHostAndRefusesADamagedBlob() throws {
        let blob = BlobTests.fixture.blob
        var rng = SeededGenerator(seed: 4)
        let input = (0..<(32 * 32 * 3)).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let host = try Int8Executor(blob: blob, source: "fixture")
        let classes = host.classMap(rgb: input)
        let logits = host.values(of: host.logitsTensor).map { UInt8(bitPattern: $0) }

        let run = try buildAndRun(blob: blob, input: input)
        XCTAssertEqual(run.values["classmap_fnv1a"], String(format: "%08x", classes.withUnsafeBytes { fnv1a32($0) }))
        XCTAssertEqual(run.values["logits_fnv1a"], String(format: "%08x", logits.withUnsafeBytes { fnv1a32($0) }))
        XCTAssertGreaterThan(run.int("instructions") ?? 0, 100_000)
        XCTAssertEqual(run.profile.count, host.model.opWords.count)
        XCTAssertLessThanOrEqual(run.flashBytes, 1024 * 1024)
        XCTAssertGreaterThan(run.int("arena_bytes") ?? 0, 0)

        var damaged = blob
        damaged[damaged.count / 2] ^= 0x10
        XCTAssertThrowsError(try buildAndRun(blob: damaged, input: input)) { error in
            XCTAssertTrue("\(error)".contains("status=refused code=\(MicroError.checksumMismatch.rawValue)"), "\(error)")
        }
    }
}
