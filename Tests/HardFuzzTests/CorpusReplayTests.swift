import Foundation
import XCTest
@testable import HardFuzzTargets
import HardData
import HardMicro

/// Where the committed corpora live: Fuzz/ at the package root.
enum FuzzFolder {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let corpus = root.appendingPathComponent("Fuzz/corpus")
    static let regressions = root.appendingPathComponent("Fuzz/regressions")

    /// The regular files directly in `folder`, sorted (none when it does not exist).
    static func files(in folder: URL) -> [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted().map { folder.appendingPathComponent($0) }
    }
}

/// Every committed seed and every input that once crashed a reader, replayed through the
/// fuzz targets without libFuzzer: a fixed crash that comes back fails `make test`.
final class CorpusReplayTests: XCTestCase {
    func testEverySeedReplays() throws {
        for target in FuzzTarget.allCases {
            let files = FuzzFolder.files(in: FuzzFolder.corpus.appendingPathComponent(target.rawValue))
            XCTAssertGreaterThanOrEqual(files.count, 3, "Fuzz/corpus/\(target.rawValue) needs seeds (Fuzz/make-seeds.sh)")
            for file in files { target.run([UInt8](try Data(contentsOf: file))) }
        }
    }

    /// Fuzz/regressions/<target>-<name>: the target comes from the file name.
    func testEveryRegressionInputReplays() throws {
        for file in FuzzFolder.files(in: FuzzFolder.regressions) {
            let name = file.lastPathComponent
            if name == "README.md" { continue }
            let prefix = String(name.prefix { $0 != "-" })
            guard let target = FuzzTarget(rawValue: prefix) else {
                XCTFail("\(name): a regression input is named <target>-<what>, target one of \(FuzzTarget.allCases)")
                continue
            }
            target.run([UInt8](try Data(contentsOf: file)))
        }
    }

    /// The PNG target's CRC repair: a chunk damaged after its CRC was computed is refused as
    /// it stands and decodes once repaired, so mutations reach past libpng's CRC check.
    func testPNGCRCRepairReachesTheDecoder() throws {
        var file = try ImageFile.encodePNG(RGBImage(width: 3, height: 2, pixels: [UInt8](repeating: 9, count: 18)))
        XCTAssertEqual(PNGChunks.fixingCRCs(file), file, "an intact file is left as it is")
        file[8 + 8 + 7] ^= 0x01   // IHDR height 2 -> 3: the chunk no longer matches its CRC
        XCTAssertThrowsError(try ImageFile.decodeRGB(file, name: "damaged")) { error in
            XCTAssertTrue("\(error)".contains("CRC"), "\(error)")
        }
        let repaired = PNGChunks.fixingCRCs(file)
        XCTAssertNotEqual(repaired, file)
        // Now libpng believes the header and runs out of image data instead.
        XCTAssertThrowsError(try ImageFile.decodeRGB(repaired, name: "repaired")) { error in
            XCTAssertFalse("\(error)".contains("CRC"), "\(error)")
        }
    }

    /// The work bound keeps accepted blobs that describe a huge network from running.
    func testBlobWorkEstimateCountsConvolutionTaps() throws {
        let seed = FuzzFolder.corpus.appendingPathComponent("blob/dense-conv-argmax.hrdq")
        let bytes = [UInt8](try Data(contentsOf: seed))
        let blob = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: 16)
        defer { blob.deallocate() }
        bytes.withUnsafeBytes { blob.copyMemory(from: $0) }
        let model = try MicroModel(blob: UnsafeRawBufferPointer(blob))
        // lookup 48 + 48, conv 64 * 9 * 3 + 48, argmax 16 + 64
        XCTAssertEqual(estimatedWork(model), 96 + 1728 + 48 + 80)
    }
}
