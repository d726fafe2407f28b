import Foundation
import XCTest
import HardData
import HardEngine
@testable import HardTrain

/// The loss keys of a training config (`loss`, `ohem_*`, `class_weights`) and the `auto`
/// class weights.
final class LossConfigTests: XCTestCase {
    func parse(_ text: String) throws -> TrainConfig { try TrainConfig.parse(Data(text.utf8), path: "run.yaml") }

    func testLossKeysParseAndReachTheTrainer() throws {
        let c = try parse("loss: ohem\nohem_threshold: 0.6\nohem_min_kept: 5000\nclass_weights: [1, 2.5, 0]\n")
        XCTAssertEqual(c.ohem, OHEM(threshold: 0.6, minKept: 5000))
        XCTAssertEqual(c.classWeights, .values([1, 2.5, 0]))
        XCTAssertEqual(try parse("class_weights: auto\n").classWeights, .auto)
        let d = try parse("model: hard-xxs\n")
        XCTAssertNil(d.ohem)
        XCTAssertNil(d.classWeights)
        // Round trip through JSON (the training state stores the config).
        let back = try JSONDecoder().decode(TrainConfig.self, from: try JSONEncoder().encode(c))
        XCTAssertEqual(back, c)
    }

    func testBadLossKeysNameTheKey() {
        for (text, key) in [("loss: focal\n", "'loss'"), ("ohem_threshold: 1.5\n", "'ohem_threshold'"),
                            ("ohem_min_kept: -1\n", "'ohem_min_kept'"), ("class_weights: [1, -2]\n", "'class_weights'"),
                            ("class_weights: [0, 0]\n", "'class_weights'"), ("class_weights: often\n", "class_weights")] {
            XCTAssertThrowsError(try parse(text), text) { error in
                XCTAssertTrue("\(error)".contains(key), "\(text): \(error)")
                XCTAssertTrue("\(error)".hasPrefix("run.yaml"), "\(error)")
            }
        }
    }

    func testAutoWeightsFollowENetsRule() {
        // p = 0.9, 0.1, 0: 1/ln(1.92), 1/ln(1.12), 1/ln(1.02), over the mean of the first two.
        let w = ClassWeights.fromFrequencies([90, 10, 0])
        let raw = [1 / log(1.92), 1 / log(1.12), 1 / log(1.02)]
        let mean = (raw[0] + raw[1]) / 2
        for (got, want) in zip(w, raw.map { $0 / mean }) { XCTAssertEqual(Double(got), want, accuracy: 1e-5) }
        XCTAssertEqual(Double(w[0]), 0.2960, accuracy: 1e-3)
        XCTAssertEqual(ClassWeights.fromFrequencies([0, 0]), [1, 1])
    }

    func testAutoWeightsOnSynthStreetsFavourTheThinClasses() throws {
        let set = SynthStreets(split: .train, count: 8, width: 96, height: 64)
        let counts = try Trainer.labelCounts(set, limit: 8)
        let w = ClassWeights.fromFrequencies(counts)
        XCTAssertEqual(counts.reduce(0, +), (0..<8).map { try! set.sample($0).labels.values.filter { $0 != 255 }.count }.reduce(0, +))
        let names = set.classNames
        let road = names.firstIndex(of: "Road")!, pole = names.firstIndex(of: "Pole")!
        XCTAssertGreaterThan(counts[road], counts[pole])
        XCTAssertGreaterThan(w[pole], 2 * w[road], "poles are rarer than road: \(zip(names, w).map { "\($0) \($1)" })")
    }
}
