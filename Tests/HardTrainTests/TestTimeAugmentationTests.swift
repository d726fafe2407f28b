import XCTest
import HardData
import HardEngine
import HardModels
@testable import HardTrain

/// `--tta` and `--slide`: the window grid, flip equivariance, and windows that tile.
final class TestTimeAugmentationTests: XCTestCase {
    func model() -> HARDNetwork {
        let m = seededXXS()
        m.eval()
        return m
    }

    func image() throws -> RGBImage { try SynthStreets(split: .val, count: 1, width: 96, height: 64, seed: 5).sample(0).image }

    func testParseAndTheWindowGrid() throws {
        let a = try TestTimeAugmentation.parse("flip,0.75,1.0,1.25")
        XCTAssertEqual(a.scales, [0.75, 1, 1.25])
        XCTAssertTrue(a.flip)
        XCTAssertEqual(try TestTimeAugmentation.parse("flip").scales, [1])
        XCTAssertThrowsError(try TestTimeAugmentation.parse("flip,big")) { XCTAssertTrue("\($0)".contains("'big'"), "\($0)") }
        XCTAssertThrowsError(try TestTimeAugmentation.parse("0"))
        // mmseg's slide_inference grid: 769 windows every 513 over Cityscapes' 1024x2048.
        XCTAssertEqual(TestTimeAugmentation.windowStarts(length: 1024, window: 769, stride: 513), [0, 255])
        XCTAssertEqual(TestTimeAugmentation.windowStarts(length: 2048, window: 769, stride: 513), [0, 513, 1026, 1279])
        XCTAssertEqual(TestTimeAugmentation.windowStarts(length: 500, window: 769, stride: 513), [0])
        XCTAssertEqual(TestTimeAugmentation(window: (30, 90)).effectiveStride?.width, 60)
    }

    func testFlipAugmentationMakesThePredictionMirrorExactly() throws {
        let p = Predictor(model())
        let x = try image(), mirrored = x.flippedHorizontally()
        let tta = TestTimeAugmentation(flip: true)
        let a = try p.predict(x, augmentation: tta), b = try p.predict(mirrored, augmentation: tta)
        // p(x) + F p(F x) against p(F x) + F p(x): the same sums, so b is a mirrored exactly.
        for y in 0..<a.height { for k in 0..<a.width {
            XCTAssertEqual(a.values[y * a.width + k], b.values[y * a.width + a.width - 1 - k], "(\(y), \(k))")
        } }
        // Without the flip the model is not mirror-symmetric: the check above is not trivial.
        let c = try p.predict(x), d = try p.predict(mirrored)
        var asymmetric = 0
        for y in 0..<c.height { for k in 0..<c.width where c.values[y * c.width + k] != d.values[y * c.width + c.width - 1 - k] { asymmetric += 1 } }
        XCTAssertGreaterThan(asymmetric, 0)
    }

    func testTwoScalesOfOneAreThePlainPrediction() throws {
        let p = Predictor(model())
        let x = try image()
        XCTAssertEqual(try p.predict(x, augmentation: TestTimeAugmentation(scales: [1, 1])).values, try p.predict(x).values)
        let multi = try p.predict(x, augmentation: TestTimeAugmentation(scales: [0.5, 1.5], flip: true))
        XCTAssertEqual(multi.width, x.width)
        XCTAssertEqual(multi.height, x.height)
    }

    func testWindowsThatTileGiveEachWindowsOwnLogits() throws {
        let p = Predictor(model())
        let x = try image()   // 64 x 96: three 64 x 32 windows side by side, no overlap
        let whole = try p.windowedLogits(x, TestTimeAugmentation(window: (64, 32), stride: (64, 32)))
        for (column, x0) in [0, 32, 64].enumerated() {
            let part = try p.logits(x.cropped(x: x0, y: 0, width: 32, height: 64)).copy()
            for ch in 0..<part.shape[1] { for y in 0..<64 { for k in 0..<32 {
                XCTAssertEqual(whole.pointer[(ch * 64 + y) * 96 + x0 + k], part.pointer[(ch * 64 + y) * 32 + k], "window \(column)")
            } } }
        }
        // Overlapping windows: the mean where they overlap; a window as large as the image is one pass.
        let overlapped = try p.windowedLogits(x, TestTimeAugmentation(window: (64, 64), stride: (64, 32)))
        let left = try p.logits(x.cropped(x: 0, y: 0, width: 64, height: 64)).copy()
        let right = try p.logits(x.cropped(x: 32, y: 0, width: 64, height: 64)).copy()
        let i = (3 * 64 + 10) * 96 + 40   // channel 3, row 10, column 40: in both windows (x 0-63 and 32-95)
        XCTAssertEqual(overlapped.pointer[i], (left.pointer[(3 * 64 + 10) * 64 + 40] + right.pointer[(3 * 64 + 10) * 64 + 8]) / 2, accuracy: 1e-5)
        let single = try p.windowedLogits(x, TestTimeAugmentation(window: (64, 96)))
        XCTAssertEqual(single.toArray(), try p.logits(x).toArray())
    }
}
