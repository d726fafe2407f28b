import Foundation
import XCTest
@testable import HardEngine

/// A fixture that `Tools/make_torch_fixtures.py` wrote with PyTorch.
struct TorchFixture {
    let root: [String: Any]

    init(_ name: String) throws {
        let url = try XCTUnwrap(Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures"),
                                "fixture \(name).json missing")
        root = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    }

    func tensor(_ key: String) throws -> Tensor {
        let tensors = try XCTUnwrap(root["tensors"] as? [String: Any])
        let t = try XCTUnwrap(tensors[key] as? [String: Any], "no tensor \(key)")
        let shape = try XCTUnwrap(t["shape"] as? [Int])
        let data = try XCTUnwrap(t["data"] as? [NSNumber]).map { $0.floatValue }
        return Tensor(shape: shape, data: data)
    }

    func number(_ key: String) throws -> Float {
        try XCTUnwrap(root[key] as? NSNumber, "no number \(key)").floatValue
    }
}

/// Asserts max-norm relative error ≤ tolerance, naming what was compared.
func assertClose(_ actual: Tensor, _ expected: Tensor, tolerance: Double = 1e-4, _ what: String,
                 file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(actual.shape, expected.shape, "\(what): shape", file: file, line: line)
    guard actual.shape == expected.shape else { return }
    let err = OpChecks.relativeError(actual.toArray(), expected.toArray())
    XCTAssertLessThanOrEqual(err, tolerance, "\(what): relative error \(err)", file: file, line: line)
}

/// The backends available here: the reference always, oneDNN when it loads.
var testedBackends: [Backend] { OneDNN.isAvailable ? [.reference, .onednn] : [.reference] }
