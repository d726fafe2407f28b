import Foundation
import XCTest
import HardEngine
@testable import HardNN

/// Damaged safetensors blobs: every one is a thrown error, none a trap (issue 11).
final class SafeTensorsTests: XCTestCase {
    /// A blob with a hand-written header and `body` data bytes.
    func blob(header: String, body: Int) -> Data {
        var json = Data(header.utf8)
        while json.count % 8 != 0 { json.append(0x20) }
        var out = Data()
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(json)
        out.append(Data(repeating: 0, count: body))
        return out
    }

    func problem(_ data: Data) -> String? {
        do { _ = try SafeTensors.decode(data); return nil } catch { return "\(error)" }
    }

    /// [2^30, 2^30, 2] has 2^61 elements: 2^63 bytes overflowed and printed a negative size.
    func testHugeShapesAreRefusedWithoutWrapping() {
        let message = problem(blob(header: #"{"w":{"dtype":"F32","shape":[1073741824,1073741824,2],"data_offsets":[0,32]}}"#, body: 32))
        XCTAssertNotNil(message)
        XCTAssertTrue(message?.contains("overflows") ?? false, message ?? "")
        XCTAssertFalse(message?.contains("-") ?? true, "no wrapped negative byte count: \(message ?? "")")
    }

    /// 24 x 2833 x 37171 x 1824726041 = 2^62 + 8 elements, whose byte count wraps to exactly
    /// 32: with unchecked arithmetic it passed and allocated a 2^62-element tensor.
    func testAShapeWhoseByteCountWrapsToTheDataSizeIsRefused() {
        let message = problem(blob(header: #"{"w":{"dtype":"F32","shape":[24,2833,37171,1824726041],"data_offsets":[0,32]}}"#, body: 32))
        XCTAssertTrue(message?.contains("overflows") ?? false, message ?? "accepted")
    }

    func testValidBlobRoundTrips() throws {
        let t = Tensor(shape: [2, 3], data: [1, 2, 3, 4, 5, 6])
        let decoded = try SafeTensors.decode(try SafeTensors.encode([("t", t)], metadata: ["k": "v"]))
        XCTAssertEqual(decoded.tensors["t"]?.toArray(), [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(decoded.metadata, ["k": "v"])
    }

    func testNonFiniteTensorsAreFound() {
        let ok = Tensor(shape: [3], data: [1, -2, 3e38])
        XCTAssertNil(SafeTensors.firstNonFinite(["a": ok]))
        for bad: Float in [.nan, .infinity, -.infinity] {
            let t = Tensor(shape: [4], data: [0, 1, bad, 2])
            XCTAssertEqual(SafeTensors.firstNonFinite(["a": ok, "b": t]), "b", "\(bad)")
        }
    }
}
