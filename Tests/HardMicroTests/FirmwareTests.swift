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

    /// The firmware's report, and with `cycles` the cycle model's estimates of its trace.
    func buildAndRun(blob: [UInt8], input: [UInt8], cycles: Bool = false) throws -> (FirmwareRun, [CycleEstimate]) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hard-fw-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data(blob).write(to: dir.appendingPathComponent("model.hrdq"))
        try Data(input).write(to: dir.appendingPathComponent("input.rgb"))
        let elf = try MicroFirmware.build(firmwareDirectory: Self.root.appendingPathComponent("Firmware").path,
                                          buildDirectory: dir.appendingPathComponent("build").path,
                                          blob: dir.appendingPathComponent("model.hrdq").path,
                                          input: dir.appendingPathComponent("input.rgb").path)
        return (try MicroFirmware.run(elf: elf, timeout: 120), cycles ? try CycleModel().run(elf: elf, timeout: 300).estimates : [])
    }

    func testFirmwareIsBitExactWithTheHostAndRefusesADamagedBlob() throws {
        let blob = BlobTests.fixture.blob
        var rng = SeededGenerator(seed: 4)
        let input = (0..<(32 * 32 * 3)).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let host = try Int8Executor(blob: blob, source: "fixture")
        let classes = host.classMap(rgb: input)
        let logits = host.values(of: host.logitsTensor).map { UInt8(bitPattern: $0) }

        let (run, cycles) = try buildAndRun(blob: blob, input: input, cycles: true)
        XCTAssertEqual(run.values["classmap_fnv1a"], String(format: "%08x", classes.withUnsafeBytes { fnv1a32($0) }))
        XCTAssertEqual(run.values["logits_fnv1a"], String(format: "%08x", logits.withUnsafeBytes { fnv1a32($0) }))
        XCTAssertGreaterThan(run.int("instructions") ?? 0, 100_000)
        XCTAssertEqual(run.profile.count, host.model.opWords.count)
        XCTAssertLessThanOrEqual(run.flashBytes, 1024 * 1024)
        XCTAssertGreaterThan(run.int("arena_bytes") ?? 0, 0)

        // The cycle model on the same firmware: its trace sees the instructions the SysTick
        // counted (the timer's own few aside), one segment per op, every block modelled, and
        // a CPI a dual-issue in-order core can have on this code (0.5 is its floor).
        let n = try XCTUnwrap(run.int("instructions"))
        XCTAssertEqual(cycles.count, run.profile.count + 1)
        XCTAssertEqual(Double(cycles[0].instructions), Double(n), accuracy: 0.01 * Double(n))
        for (op, e) in zip(run.profile, cycles.dropFirst()) {
            XCTAssertEqual(Double(e.instructions), Double(op.instructions), accuracy: 0.02 * Double(op.instructions) + 200, "op \(op.op)")
        }
        XCTAssertEqual(cycles[0].unmodelledInstructions, 0)
        let cpi = cycles[0].cycles / Double(cycles[0].instructions)
        XCTAssertGreaterThan(cpi, 0.5)
        XCTAssertLessThan(cpi, 1.5)
        XCTAssertGreaterThan(cycles[0].mispredicts, 0)

        var damaged = blob
        damaged[damaged.count / 2] ^= 0x10
        XCTAssertThrowsError(try buildAndRun(blob: damaged, input: input)) { error in
            XCTAssertTrue("\(error)".contains("status=refused code=\(MicroError.checksumMismatch.rawValue)"), "\(error)")
        }
    }
}
