import XCTest
@testable import HardDeploy

/// The arithmetic of `hard mcu run`'s report from what the firmware printed, without qemu.
final class McuReportTests: XCTestCase {
    func report() -> McuReport {
        McuReport(model: "hard-edge", height: 64, width: 64, classes: 11, checkpoint: nil, trained: false, calibration: "min/max",
                  calibrationImages: 4, evaluationImages: 2, floatMiou: 10, int8Miou: 9, int8AgreementWithFloat: 0.9,
                  int8AgreementWithFakeQuant: 0.99, maxLogitStepsFromFakeQuant: 1, blobBytes: 100, blob: "m.hrdq", elf: "f.elf",
                  flashBytes: 0, testInputBytes: 12288, classmapFnv1a: "0badf00d")
    }

    func run(_ values: [String: String]) -> FirmwareRun {
        FirmwareRun(values: values, profile: [FirmwareOpProfile(op: 0, code: 10, output: "64x64x3", instructions: 500)],
                    flashBytes: 300_000, textBytes: 290_000, dataBytes: 10_000)
    }

    func testSRAMLatencyAndVerdictFromTheFirmwaresNumbers() throws {
        var r = report()
        try r.record(run(["heap_bytes": "60000", "arena_bytes": "45000", "scratch_bytes": "5000", "static_bytes": "400",
                          "stack_bytes": "1200", "instructions": "21600000", "classmap_fnv1a": "0badf00d"]), cpi: 1.5)
        XCTAssertEqual(r.sramBytes, 61_600)
        XCTAssertEqual(r.otherHeapBytes, 10_000)
        XCTAssertEqual(r.estimatedMs_216mhz!, 150, accuracy: 1e-9)   // 21.6M x 1.5 / 216 MHz
        XCTAssertEqual(r.bitExact, true)
        XCTAssertEqual(r.flashBytes, 300_000)
        XCTAssertEqual(r.profile?.first?.kind, "inputLookup")
        var other = report()
        try other.record(run(["heap_bytes": "60000", "arena_bytes": "45000", "scratch_bytes": "5000", "static_bytes": "400",
                              "stack_bytes": "1200", "instructions": "100", "classmap_fnv1a": "12345678"]), cpi: 1)
        XCTAssertEqual(other.bitExact, false)
    }

    func testMissingOrInconsistentFirmwareNumbersAreErrors() {
        var r = report()
        XCTAssertThrowsError(try r.record(run(["heap_bytes": "10"]), cpi: 1)) { XCTAssertTrue("\($0)".contains("did not report")) }
        XCTAssertThrowsError(try r.record(run(["heap_bytes": "10", "arena_bytes": "45000", "scratch_bytes": "5000", "static_bytes": "1",
                                               "stack_bytes": "1", "instructions": "1"]), cpi: 1)) {
            XCTAssertTrue("\($0)".contains("above its heap"), "\($0)")
        }
    }
}
