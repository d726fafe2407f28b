import XCTest
import HardEngine
import HardNN
@testable import HardModels

/// The memory estimate that refuses impossible sizes before any work (issue 11).
final class MemoryEstimateTests: XCTestCase {
    /// `--height 100000 --width 100000` says how much it needs and how much there is.
    func testAnImpossibleSizeIsRefusedBeforeAnyWork() {
        let before = TensorStorage.liveBytes
        XCTAssertThrowsError(try MemoryEstimate.check(.inference, variant: .xxs, classes: 19, height: 100_000, width: 100_000)) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains("hard-xxs inference at 100000x100000 needs"), message)
            XCTAssertTrue(message.contains("GB of memory,"), message)
            XCTAssertTrue(message.contains("available"), message)
            guard let e = error as? MemoryError else { return XCTFail("not a MemoryError: \(error)") }
            XCTAssertGreaterThan(e.neededBytes, e.availableBytes)
        }
        XCTAssertLessThan(TensorStorage.liveBytes - before, 1 << 20, "the refusal allocates nothing large")
        XCTAssertNoThrow(try MemoryEstimate.check(.inference, variant: .xxs, classes: 19, height: 64, width: 64))
    }

    /// The estimate from the 128x128 calibration is an upper bound of what a pass at another
    /// size (192x320, another aspect ratio) really allocates, and not a wild one (within 2x):
    /// it holds only if the cost per pixel carries over.
    func testTheEstimateBoundsTheMeasuredPeakOfALargerPass() {
        let (h, w) = (192, 320)
        for (pass, variant) in [(MemoryEstimate.Pass.inference, Variant.xxs), (.inference, .gpu), (.inference, .edge), (.training, .edge)] {
            let estimate = MemoryEstimate.bytes(pass, variant: variant, classes: 11, height: h, width: w)
            let measured = MemoryEstimate.measuredPeak(pass, variant: variant, classes: 11, height: h, width: w)
            XCTAssertGreaterThanOrEqual(estimate, measured, "\(pass) \(variant.rawValue) at \(h)x\(w)")
            XCTAssertLessThanOrEqual(estimate, 2 * measured, "\(pass) \(variant.rawValue) at \(h)x\(w)")
        }
    }

    /// Linear in pixels and in the batch.
    func testTheEstimateScalesWithPixelsAndBatch() {
        let one = MemoryEstimate.bytes(.training, variant: .edge, classes: 11, height: 100, width: 100)
        let four = MemoryEstimate.bytes(.training, variant: .edge, classes: 11, height: 200, width: 200)
        let batch = MemoryEstimate.bytes(.training, variant: .edge, classes: 11, height: 100, width: 100, batch: 4)
        XCTAssertEqual(Double(four) / Double(one), 4, accuracy: 0.01)
        XCTAssertEqual(Double(batch) / Double(one), 4, accuracy: 0.01)
    }
}
