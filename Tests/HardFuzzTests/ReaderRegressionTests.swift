import Foundation
import HardData
import HardEngine
import HardNN
@testable import HardTrain
import XCTest

/// One test per reader bug the fuzzers found, beside its input in Fuzz/regressions/ (the
/// replay test runs that input through the fuzz target; these say what the right answer is).
final class ReaderRegressionTests: XCTestCase {
    /// safetensors: a zero-size tensor at [x, x] beside a tensor starting at x was called an
    /// overlap whenever the dictionary happened to list it second, so decode refused, at
    /// random, files that encode (and the reference library) write. Found by the round trip
    /// of `fuzzSafeTensors` on the seed `scalar-and-empty.safetensors`.
    func testEmptyTensorsSharingAnOffsetAreNotAnOverlap() throws {
        let file = FuzzFolder.regressions.appendingPathComponent("safetensors-empty-tensors-share-an-offset")
        let data = try Data(contentsOf: file)
        for _ in 0..<20 {   // the old check depended on hash order: repeat to be sure
            let (tensors, _) = try SafeTensors.decode(data)
            XCTAssertEqual(tensors.count, 9)
            XCTAssertEqual(tensors["w"]?.pointer[0], 1.5)
            XCTAssertEqual(tensors["empty3"]?.shape, [0])
        }
        let written = try SafeTensors.encode([("a", Tensor(zeros: [0, 3])), ("b", Tensor(zeros: [2])), ("c", Tensor(zeros: [0]))])
        for _ in 0..<20 { XCTAssertEqual(try SafeTensors.decode(written).tensors.count, 3) }
    }

    /// Real overlaps are still refused.
    func testOverlappingTensorsAreRefused() throws {
        var header = Array(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#.utf8)
        while header.count % 8 != 0 { header.append(0x20) }
        let file = withUnsafeBytes(of: UInt64(header.count).littleEndian) { Array($0) } + header + [UInt8](repeating: 0, count: 8)
        XCTAssertThrowsError(try SafeTensors.decode(Data(file))) { error in
            XCTAssertTrue("\(error)".contains("overlap"), "\(error)")
        }
    }

    /// Config: a YAML mapping used as a key (`{{}: null}`) trapped inside Yams' `load`, which
    /// force-unwraps every key as a string. Found by `make fuzz` (config target).
    func testAMappingOrListAsKeyIsAnError() throws {
        let file = FuzzFolder.regressions.appendingPathComponent("config-mapping-as-key")
        let texts = [try String(contentsOf: file, encoding: .utf8), "dataset: {[1, 2]: x}\n", "--- !!set\n? {a: 1}\n",
                     "model: hard-xxs\n? - a\n: 1\n"]
        for text in texts {
            XCTAssertThrowsError(try TrainConfig.parse(Data(text.utf8), path: "bad.yaml"), text) { error in
                XCTAssertTrue("\(error)".contains("a key must be a name"), "\(error)")
                XCTAssertTrue("\(error)".hasPrefix("bad.yaml: line "), "\(error)")
            }
        }
        // Plain keys and anchors still load.
        let merged = "dataset: &d {kind: synthstreets, synth_width: 32}\nmodel: hard-edge\n"
        XCTAssertEqual(try TrainConfig.parse(Data(merged.utf8), path: "ok.yaml").dataset.synthWidth, 32)
    }

    /// Config: 5,000 nested brackets (10 kB) overflowed the stack in the recursive YAML
    /// composer and checks; nested aliases ("billion laughs", 511 bytes) ran for minutes.
    /// Both are refused by `ConfigTextLimits` before any parser runs.
    func testDeepNestingAndAliasBombsAreRefusedQuickly() throws {
        for (name, words) in [("config-deep-nesting", "nested deeper than"), ("config-billion-laughs", "aliases")] {
            let data = try Data(contentsOf: FuzzFolder.regressions.appendingPathComponent(name))
            for path in ["bomb.yaml", "bomb.json"] {
                XCTAssertThrowsError(try TrainConfig.parse(data, path: path)) { error in
                    XCTAssertTrue("\(error)".contains(words), "\(name) as \(path): \(error)")
                }
            }
        }
        // Every example configuration stays far inside the limits.
        for file in FuzzFolder.files(in: FuzzFolder.root.appendingPathComponent("configs")) {
            XCTAssertNoThrow(try ConfigTextLimits.check(try String(contentsOf: file, encoding: .utf8)), file.lastPathComponent)
        }
        let nested = "a:\n  b:\n    c: [1, {d: [2, 3]}]\nlist:\n- - x\n  - y\n"
        XCTAssertNoThrow(try ConfigTextLimits.check(nested))
        let aliases = "base: &b {kind: synthstreets}\ntrain: *b\nval: *b\n"
        XCTAssertNoThrow(try ConfigTextLimits.check(aliases))
        // The estimate never falls below the real depth, whatever quotes or comments hide.
        let hidden = "a: &x \"foo, [\"\nb: " + String(repeating: "[", count: 20) + String(repeating: "]", count: 20) + "\n"
        XCTAssertThrowsError(try ConfigTextLimits.check(hidden))
    }

    /// PNG and JPEG: a damaged header claiming 16383x16383 made the decoders zero 768 MB
    /// before reading a row, and TurboJPEG decode a whole gray image after "premature end"
    /// (a 632-byte JPEG: 1.2 s and 840 MB under the fuzzer). Now the pixel buffer is left
    /// uninitialized until the decoder writes it and a JPEG stops at its first warning.
    func testTruncatedFilesClaimingHugeImagesFailFast() throws {
        for (name, words) in [("png-huge-size-truncated", "damaged PNG"), ("jpeg-huge-size-truncated", "damaged JPEG")] {
            let bytes = [UInt8](try Data(contentsOf: FuzzFolder.regressions.appendingPathComponent(name)))
            var fastest = Double.infinity
            for _ in 0..<3 {
                let start = DispatchTime.now().uptimeNanoseconds
                XCTAssertThrowsError(try ImageFile.decodeRGB(bytes, name: name)) { error in
                    XCTAssertTrue("\(error)".contains(words), "\(error)")
                }
                fastest = min(fastest, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            }
            XCTAssertLessThan(fastest, 0.1, "\(name): refusing a truncated file must not cost a full-size decode")
        }
    }

    /// Config: a YAML 1.1 base-60 integer too large for 64 bits (`seed: 184467440737095516:15`)
    /// trapped in Yams' unchecked base-60 arithmetic, in the decoder and in `load`. Found by
    /// `make fuzz` (config target, after 183,560 runs).
    func testBase60NumbersTooLargeAreAnError() throws {
        let crash = try Data(contentsOf: FuzzFolder.regressions.appendingPathComponent("config-base60-overflow"))
        let texts = [String(decoding: crash, as: UTF8.self), "iterations: 1:2:3:4:5:6:7:8:9:10:11:12\n",
                     "output: 999999999999999999:1\n", "dataset: {synth_seed: x:1:1:1:1:1:1:1:1:1:1:1:1}\n",
                     "seed: -153722867280912930:8\n"]
        for text in texts {
            XCTAssertThrowsError(try TrainConfig.parse(Data(text.utf8), path: "bad.yaml"), text) { error in
                XCTAssertTrue("\(error)".contains("base-60 number"), "\(error)")
            }
        }
        // Base-60 numbers that fit, quoted text and paths with colons still read as before.
        let fine = "iterations: 1:30\nseed: 1_000:00\noutput: '99999999999999999999:1'\n"
            + "dataset: {kind: folder, root: C:/data/a:b}\n"
        let config = try TrainConfig.parse(Data(fine.utf8), path: "ok.yaml")
        XCTAssertEqual(config.iterations, 90)
        XCTAssertEqual(config.seed, 60_000)
        XCTAssertEqual(config.output, "99999999999999999999:1")
        XCTAssertEqual(config.dataset.root, "C:/data/a:b")
    }
}
