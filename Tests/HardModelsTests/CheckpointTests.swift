import Foundation
import XCTest
import HardEngine
import HardNN
@testable import HardModels

final class CheckpointTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("hard-ckpt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    func testCheckpointRoundTripsBitForBit() throws {
        let model = Zoo.make(.xxs, classes: 7, seed: 5)
        // Make the buffers non-trivial too.
        _ = withNoGrad { model.outputs(Tensor.ones([2, 3, 32, 32])) }
        try Checkpoint.save(model, to: path("m.safetensors"))
        let loaded = try Checkpoint.load(path("m.safetensors"))
        XCTAssertEqual(loaded.variant, .xxs)
        XCTAssertEqual(loaded.classes, 7)
        let a = model.stateDict(), b = loaded.stateDict()
        XCTAssertEqual(a.map(\.0), b.map(\.0))
        for ((name, x), (_, y)) in zip(a, b) {
            XCTAssertEqual(x.shape, y.shape, name)
            XCTAssertEqual(x.toArray().map(\.bitPattern), y.toArray().map(\.bitPattern), name)
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: path("m.json")))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.contains(".tmp") }
        XCTAssertEqual(leftovers, [])
    }

    /// A resized model (`architecture`) round-trips through the JSON and, alone, through the
    /// safetensors metadata; the zoo's own sizes record none; a damaged architecture is an
    /// error naming the file and the key, never a crash or a huge allocation.
    func testResizedArchitectureRoundTripsAndIsValidated() throws {
        var a = Zoo.lite(.edge)
        a.stem = 8; a.stages[0].channels = 8; a.stages[1].channels = 24; a.stages[1].blocks = 1
        a.saDilations = [[4, 2, 1]]
        let model = Zoo.make(.edge, classes: 5, seed: 2, architecture: a)
        try Checkpoint.save(model, to: path("r.safetensors"))
        XCTAssertEqual(try Checkpoint.info(at: path("r.safetensors")).architecture, a)
        let loaded = try Checkpoint.load(path("r.safetensors"))
        XCTAssertEqual((loaded as? HARDLite)?.config, a)
        XCTAssertEqual(loaded.inferenceParameterCount, model.inferenceParameterCount)
        try FileManager.default.removeItem(atPath: path("r.json"))
        XCTAssertEqual((try Checkpoint.load(path("r.safetensors")) as? HARDLite)?.config, a, "from the metadata alone")

        try Checkpoint.save(Zoo.make(.edge, classes: 5), to: path("plain.safetensors"))
        XCTAssertNil(try Checkpoint.info(at: path("plain.safetensors")).architecture)
        XCTAssertEqual(Zoo.resolve("edge-rt")?.architecture, Zoo.edgeRT)
        XCTAssertEqual(Zoo.resolve("hard-edge")?.architecture, nil)

        try Checkpoint.save(model, to: path("d.safetensors"))
        let json = try String(contentsOfFile: path("d.json"), encoding: .utf8)
        for (from, to, expected) in [("\"stem\" : 8", "\"stem\" : 100000", "'stem' is 100000"),
                                     ("\"sa_expansion\" : 4", "\"sa_expansion\" : 0", "'sa_expansion' is 0")] {
            XCTAssertTrue(json.contains(from), from)
            try json.replacingOccurrences(of: from, with: to).write(toFile: path("d.json"), atomically: true, encoding: .utf8)
            XCTAssertThrowsError(try Checkpoint.load(path("d.safetensors"))) { e in
                let text = "\(e)"
                XCTAssertTrue(text.contains("d.json") && text.contains(expected), text)
            }
        }
    }

    func testALoneSafetensorsFileStillLoadsFromItsMetadata() throws {
        try Checkpoint.save(Zoo.make(.edge, classes: 11), to: path("e.safetensors"))
        try FileManager.default.removeItem(atPath: path("e.json"))
        XCTAssertEqual(try Checkpoint.info(at: path("e.safetensors")), CheckpointInfo(variant: .edge, classes: 11))
    }

    func assertCheckpointError(_ file: String, contains text: String, line: UInt = #line, _ body: () throws -> Void) {
        XCTAssertThrowsError(try body(), line: line) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains(file), "message should name \(file): \(message)", line: line)
            XCTAssertTrue(message.contains(text), "message should say \(text): \(message)", line: line)
        }
    }

    func testDamagedFilesGiveErrorsThatNameTheFile() throws {
        let good = path("g.safetensors")
        try Checkpoint.save(Zoo.make(.edge, classes: 11), to: good)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: good))
        let model = Zoo.make(.edge, classes: 11)

        let truncated = path("t.safetensors")
        try bytes.prefix(bytes.count - 100).write(to: URL(fileURLWithPath: truncated))
        assertCheckpointError(truncated, contains: "data_offsets") { try Checkpoint.load(truncated, into: model) }

        let tiny = path("tiny.safetensors")
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: tiny))
        assertCheckpointError(tiny, contains: "shorter than") { try Checkpoint.load(tiny, into: model) }

        let hugeHeader = path("h.safetensors")
        var h = bytes
        h.replaceSubrange(0..<8, with: [0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0])
        try h.write(to: URL(fileURLWithPath: hugeHeader))
        assertCheckpointError(hugeHeader, contains: "header length") { try Checkpoint.load(hugeHeader, into: model) }

        let garbage = path("j.safetensors")
        var g = bytes
        g[8] = UInt8(ascii: "#")  // the opening brace
        try g.write(to: URL(fileURLWithPath: garbage))
        assertCheckpointError(garbage, contains: "JSON") { try Checkpoint.load(garbage, into: model) }

        let missing = path("none.safetensors")
        assertCheckpointError(missing, contains: "no such file") { try Checkpoint.load(missing, into: model) }

        let other = Zoo.make(.xxs, classes: 11)
        assertCheckpointError(good, contains: "does not fit hard-xxs") { try Checkpoint.load(good, into: other) }
        let fewerClasses = Zoo.make(.edge, classes: 5)
        assertCheckpointError(good, contains: "expected shape") { try Checkpoint.load(good, into: fewerClasses) }

        try Data("{\"format\": \"hard-checkpoint\"".utf8).write(to: URL(fileURLWithPath: path("g.json")))
        assertCheckpointError(path("g.json"), contains: "not a valid checkpoint description") { _ = try Checkpoint.load(good) }
    }

    func testRandomCorruptionNeverCrashes() throws {
        try Checkpoint.save(Zoo.make(.edge, classes: 11), to: path("r.safetensors"))
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path("r.safetensors")))
        let model = Zoo.make(.edge, classes: 11)
        var rng = SeededGenerator(seed: 8)
        var failures = 0
        for _ in 0..<200 {
            var b = bytes
            let headerEnd = 8 + Int(b[0]) + Int(b[1]) << 8 + Int(b[2]) << 16
            // Corrupt the header region mostly: that is where a parser can go wrong.
            for _ in 0..<3 { b[Int(rng.next() % UInt64(min(headerEnd + 64, b.count)))] = UInt8(truncatingIfNeeded: rng.next()) }
            if Bool.random(using: &rng) { b = b.prefix(Int(rng.next() % UInt64(b.count))) }
            let p = path("c.safetensors")
            try b.write(to: URL(fileURLWithPath: p))
            do { try Checkpoint.load(p, into: model) } catch { failures += 1 }
        }
        XCTAssertGreaterThan(failures, 100, "most corruptions must be detected")
    }

    /// Regression (issue 11): `classes` of 10^7 in the sidecar or the metadata built a
    /// classifier of gigabytes and crashed; it is refused, naming the file.
    func testAbsurdClassCountsAreRefusedNotBuilt() throws {
        let good = path("c.safetensors")
        try Checkpoint.save(Zoo.make(.edge, classes: 11), to: good)
        let sidecar = path("c.json")
        try Data(#"{"format": "hard-checkpoint", "version": 1, "variant": "hard-edge", "classes": 10000000}"#.utf8)
            .write(to: URL(fileURLWithPath: sidecar))
        assertCheckpointError(sidecar, contains: "'classes' is 10000000, outside 1...255") { _ = try Checkpoint.load(good) }

        // The same in the safetensors metadata of a lone file.
        try FileManager.default.removeItem(atPath: sidecar)
        let model = Zoo.make(.edge, classes: 11)
        let blob = try SafeTensors.encode(model.stateDict(), metadata: ["variant": "hard-edge", "classes": "10000000"])
        try blob.write(to: URL(fileURLWithPath: good))
        assertCheckpointError(good, contains: "outside 1...255") { _ = try Checkpoint.load(good) }
        try SafeTensors.encode(model.stateDict(), metadata: ["variant": "hard-edge", "classes": "-3"]).write(to: URL(fileURLWithPath: good))
        assertCheckpointError(good, contains: "outside 1...255") { _ = try Checkpoint.load(good) }
    }

    /// Regression (issue 11): NaN or infinite weights loaded silently and gave NaN logits.
    func testNonFiniteWeightsAreRefusedNamingTheTensor() throws {
        let model = Zoo.make(.edge, classes: 11)
        let (name, tensor) = model.stateDict()[3]
        tensor.pointer[tensor.count / 2] = .nan
        try Checkpoint.save(model, to: path("n.safetensors"))
        assertCheckpointError(path("n.safetensors"), contains: "tensor \(name) holds NaN") { _ = try Checkpoint.load(path("n.safetensors")) }
        tensor.pointer[tensor.count / 2] = -.infinity
        try Checkpoint.save(model, to: path("n.safetensors"))
        assertCheckpointError(path("n.safetensors"), contains: "infinite") { _ = try Checkpoint.load(path("n.safetensors")) }
    }

    func testSafeTensorsLayoutIsTheReferenceFormat() throws {
        let t = Tensor(shape: [2, 1], data: [1.5, -2])
        let data = try SafeTensors.encode([("w", t)])
        let n = Int(data[0]) | Int(data[1]) << 8
        XCTAssertEqual(n % 8, 0)
        let header = try XCTUnwrap(String(data: data[8..<(8 + n)], encoding: .utf8))
        XCTAssertTrue(header.hasPrefix("{\"w\":{\"data_offsets\":[0,8],\"dtype\":\"F32\",\"shape\":[2,1]}}"), header)
        XCTAssertEqual(Array(data.suffix(8)), [0, 0, 0xc0, 0x3f, 0, 0, 0, 0xc0])  // 1.5, -2.0 little-endian
    }
}
