import XCTest
@testable import HardEngine

/// Every op: oneDNN forward and backward equal the reference (≤ 1e-4), and the backward
/// equals central finite differences (≤ 1e-2), on both backends. `hard doctor` runs the
/// same checks on a user's machine.
final class OpCheckTests: XCTestCase {
    func check(_ prefix: String, file: StaticString = #filePath, line: UInt = #line) {
        let checks = OpChecks.all.filter { $0.name.hasPrefix(prefix) }
        XCTAssertFalse(checks.isEmpty, "no op check named \(prefix)*", file: file, line: line)
        for c in checks {
            let r = OpChecks.run(c)
            XCTAssertTrue(r.passed, "\(r.op): forward \(r.forwardRelErr), backward \(r.backwardRelErr), gradcheck \(r.gradcheckRelErr), fallbacks \(r.fallbacks)",
                          file: file, line: line)
        }
    }

    func testOneDNNIsAvailable() { XCTAssertTrue(OneDNN.isAvailable, "oneDNN did not load: run scripts/bootstrap.sh") }
    func testConvolutionsMatchReferenceAndFiniteDifferences() { check("conv2d") }
    func testBatchNormMatchesReferenceAndFiniteDifferences() { check("batch_norm") }
    func testActivationsMatchReferenceAndFiniteDifferences() { check("relu") }
    func testAddAndScaleMatchReferenceAndFiniteDifferences() { check("add"); check("scale") }
    func testConcatAndSliceMatchReferenceAndFiniteDifferences() { check("concat"); check("slice") }
    func testBilinearResizeMatchesReferenceAndFiniteDifferences() { check("resize_bilinear") }
    func testPoolingMatchesReferenceAndFiniteDifferences() { check("avg_pool"); check("max_pool"); check("global_") }
    func testCrossEntropyMatchesReferenceAndFiniteDifferences() { check("cross_entropy") }
    func testReductionsMatchReferenceAndFiniteDifferences() { check("sum"); check("mean") }

    func testEveryCatalogueOpIsCoveredByATest() {
        let prefixes = ["conv2d", "batch_norm", "relu", "add", "scale", "concat", "slice", "resize_bilinear",
                        "avg_pool", "max_pool", "global_", "cross_entropy", "sum", "mean"]
        for c in OpChecks.all {
            XCTAssertTrue(prefixes.contains { c.name.hasPrefix($0) }, "\(c.name) has no test")
        }
    }

    func testRelativeErrorDetectsAWrongValue() {
        XCTAssertEqual(OpChecks.relativeError([1, 2, 4], [1, 2, 4]), 0)
        XCTAssertEqual(OpChecks.relativeError([1, 2, 3], [1, 2, 4]), 0.25, accuracy: 1e-12)
    }
}
