import XCTest
@testable import HardDeploy

/// The arithmetic of `hard mcu run`'s report from what the firmware printed, without qemu.
final class McuReportTests: XCTestCase {
    func report() -> McuReport {
        McuReport(model: "hard-edge", height: 64, width: 64, classes: 11, macs: 8_000_000, params: 100_000, checkpoint: nil, trained: false, calibration: "min/max",
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
        XCTAssertEqual(r.estimatedMsAtCpi_216mhz!, 150, accuracy: 1e-9)   // 21.6M x 1.5 / 216 MHz
        XCTAssertNil(r.estimatedMs_216mhz)   // until the cycle model is recorded
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

    func testTheCycleModelsFiguresAndItsChecksAgainstTheRun() throws {
        var r = report()
        try r.record(run(["heap_bytes": "60000", "arena_bytes": "45000", "scratch_bytes": "5000", "static_bytes": "400",
                          "stack_bytes": "1200", "instructions": "21600000", "classmap_fnv1a": "0badf00d"]), cpi: 1)
        func estimate(_ n: Int, _ pipeline: Double, _ misses: Int) -> CycleEstimate {
            CycleEstimate(instructions: n, pipelineCycles: pipeline, mispredicts: misses, cycles: pipeline + 8 * Double(misses),
                          unmodelledInstructions: 0)
        }
        // One op in the profile: segments are the whole inference and that op.
        XCTAssertThrowsError(try r.record(cycles: [estimate(21_600_000, 1, 0)], mispredictPenalty: 8, macs: 1)) {
            XCTAssertTrue("\($0)".contains("1 ops"), "\($0)")
        }
        XCTAssertThrowsError(try r.record(cycles: [estimate(20_000_000, 1, 0), estimate(500, 400, 1)], mispredictPenalty: 8, macs: 1)) {
            XCTAssertTrue("\($0)".contains("the firmware counted 21600000"), "\($0)")
        }
        try r.record(cycles: [estimate(21_610_000, 17_280_000 - 80_000, 10_000), estimate(500, 392, 1)], mispredictPenalty: 8,
                     macs: 8_640_000)
        XCTAssertEqual(r.estimatedCyclesM7Model!, 17_280_000, accuracy: 1e-6)
        XCTAssertEqual(r.estimatedMs_216mhz!, 80, accuracy: 1e-9)      // 17.28M cycles / 216 MHz
        XCTAssertEqual(r.estimatedMsAtCpi_216mhz!, 100, accuracy: 1e-9) // the CPI-1 figure stays beside it
        XCTAssertEqual(r.cycleModel!.cyclesPerMac!, 2, accuracy: 1e-9)
        XCTAssertEqual(r.cycleModel!.cyclesPerInstruction, 17_280_000 / 21_610_000, accuracy: 1e-12)
        XCTAssertEqual(r.profile!.first!.estimatedCycles!, 400, accuracy: 1e-9)
        let enc = JSONEncoder()
        enc.keyEncodingStrategy = .convertToSnakeCase
        let json = String(decoding: try enc.encode(r), as: UTF8.self)
        for key in ["\"estimated_cycles_m7_model\"", "\"estimated_ms_216mhz\"", "\"estimated_ms_at_cpi_216mhz\"", "\"cycles_per_mac\""] {
            XCTAssertTrue(json.contains(key), key)
        }
    }
}
