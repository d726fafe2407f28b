import CZlib
import Foundation
@testable import HardData
import XCTest

/// Writes level-5 MAT files as MATLAB does (header, miMATRIX elements, optionally each in a
/// zlib-compressed miCOMPRESSED element), for the reader's tests and fuzz seeds.
enum MatWriter {
    static func u32(_ v: UInt32) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 24)] }

    static func element(_ type: UInt32, _ data: [UInt8]) -> [UInt8] {
        let pad = (8 - data.count % 8) % 8
        return u32(type) + u32(UInt32(data.count)) + data + [UInt8](repeating: 0, count: pad)
    }

    /// A 2-D numeric matrix `name` (rows x columns, values row-major here, column-major in
    /// the file) of MATLAB class `arrayClass` (9 uint8, 11 uint16, 6 double) stored as MAT
    /// type `storage` (2 miUINT8, 4 miUINT16, 9 miDOUBLE).
    static func matrix(_ name: String, rows: Int, columns: Int, values: [Int], arrayClass: UInt8 = 11, storage: UInt32 = 2) -> [UInt8] {
        var data: [UInt8] = []
        for c in 0..<columns {
            for r in 0..<rows {
                let v = values[r * columns + c]
                switch storage {
                case 2: data.append(UInt8(v))
                case 4: data += [UInt8(v & 0xFF), UInt8(v >> 8)]
                default: data += withUnsafeBytes(of: Double(v).bitPattern.littleEndian, Array.init)
                }
            }
        }
        let body = element(6, [arrayClass, 0, 0, 0, 0, 0, 0, 0]) + element(5, u32(UInt32(rows)) + u32(UInt32(columns)))
            + element(1, Array(name.utf8)) + element(storage, data)
        return element(14, body)
    }

    /// A cell array `name` (MATLAB class 1) of one char matrix: skipped by the reader.
    static func cell(_ name: String) -> [UInt8] {
        let text = matrix("", rows: 1, columns: 3, values: [104, 105, 33], arrayClass: 4, storage: 2)
        let body = element(6, [1, 0, 0, 0, 0, 0, 0, 0]) + element(5, u32(1) + u32(1)) + element(1, Array(name.utf8)) + text
        return element(14, body)
    }

    static func compressed(_ element: [UInt8]) -> [UInt8] {
        var size = compressBound(uLong(element.count))
        var out = [UInt8](repeating: 0, count: Int(size))
        let status = out.withUnsafeMutableBufferPointer { o in element.withUnsafeBufferPointer { i in
            compress2(o.baseAddress, &size, i.baseAddress, uLong(i.count), 6)
        } }
        precondition(status == Z_OK)
        return u32(15) + u32(UInt32(size)) + Array(out.prefix(Int(size)))
    }

    static func file(_ elements: [[UInt8]]) -> [UInt8] {
        var header = Array("MATLAB 5.0 MAT-file, Platform: GLNXA64, Created on: Thu Dec  3 07:00:00 2026".utf8)
        header += [UInt8](repeating: 0x20, count: 116 - header.count)
        header += [UInt8](repeating: 0, count: 8) + [0x00, 0x01] + Array("IM".utf8)
        return header + elements.flatMap { $0 }
    }
}

final class MatFileTests: XCTestCase {
    /// The fuzz target `mat`'s seeds (Fuzz/make-seeds.sh): S plain and compressed, in uint8,
    /// uint16 and double storage, beside cells to skip; one near miss without S.
    func testWriteFuzzSeeds() throws {
        guard ProcessInfo.processInfo.environment["HARD_FUZZ_WRITE_SEEDS"] == "1" else {
            throw XCTSkip("set HARD_FUZZ_WRITE_SEEDS=1 to rewrite Fuzz/corpus/mat (Fuzz/make-seeds.sh)")
        }
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fuzz/corpus/mat")
        try? FileManager.default.removeItem(at: folder)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let values = (0..<12).map { $0 * 17 % 183 }
        let seeds: [(String, [UInt8])] = [
            ("uint8-plain.mat", MatWriter.file([MatWriter.matrix("S", rows: 3, columns: 4, values: values)])),
            ("uint16-compressed-with-cells.mat", MatWriter.file([MatWriter.compressed(MatWriter.cell("names")),
                                                                 MatWriter.compressed(MatWriter.matrix("S", rows: 3, columns: 4, values: values, storage: 4))])),
            ("double-compressed.mat", MatWriter.file([MatWriter.compressed(MatWriter.matrix("S", rows: 2, columns: 6, values: values, arrayClass: 6, storage: 9))])),
            ("refused-no-S.mat", MatWriter.file([MatWriter.cell("captions")])),
        ]
        for (name, bytes) in seeds {
            try Data(bytes).write(to: folder.appendingPathComponent(name))
            XCTAssertEqual((try? MatFile.readLabelMatrix(bytes, variable: "S", file: name)) != nil, !name.hasPrefix("refused"), name)
        }
    }

    let rows = 3, columns = 5
    var values: [Int] { (0..<15).map { $0 * 13 % 183 } }   // 0, 13, ..., some above 90

    func testReadsSCompressedOrNotAndInEveryStorageType() throws {
        for storage: UInt32 in [2, 4, 9] {
            let s = MatWriter.matrix("S", rows: rows, columns: columns, values: values, arrayClass: storage == 9 ? 6 : 11, storage: storage)
            for compress in [false, true] {
                let elements = [MatWriter.cell("names"), s, MatWriter.cell("captions")].map { compress ? MatWriter.compressed($0) : $0 }
                let m = try MatFile.readLabelMatrix(MatWriter.file(elements), variable: "S", file: "a.mat")
                XCTAssertEqual(m.height, rows)
                XCTAssertEqual(m.width, columns)
                XCTAssertEqual(m.values.map(Int.init), values, "storage \(storage), compressed \(compress)")
            }
        }
    }

    func testDamagedFilesAreErrorsNamingTheFile() {
        let good = MatWriter.file([MatWriter.compressed(MatWriter.matrix("S", rows: rows, columns: columns, values: values))])
        var cases: [(String, [UInt8])] = [
            ("short", Array(good.prefix(100))),
            ("truncated", Array(good.prefix(good.count - 5))),
            ("no S", MatWriter.file([MatWriter.matrix("T", rows: 1, columns: 1, values: [1])])),
            ("too large a value", MatWriter.file([MatWriter.matrix("S", rows: 1, columns: 2, values: [1, 300], storage: 4)])),
        ]
        var bigEndian = good
        bigEndian[126] = UInt8(ascii: "M"); bigEndian[127] = UInt8(ascii: "I")
        cases.append(("big-endian", bigEndian))
        var corrupt = good
        for i in 140..<150 { corrupt[i] ^= 0x5A }
        cases.append(("corrupt zlib", corrupt))
        for (what, bytes) in cases {
            XCTAssertThrowsError(try MatFile.readLabelMatrix(bytes, variable: "S", file: "bad.mat"), what) { error in
                XCTAssertTrue("\(error)".hasPrefix("bad.mat: "), "\(what): \(error)")
            }
        }
    }

    func testCocoStuffMatAnnotationsAndTheMmsegLayout() throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let (w, h) = (6, 2)
        let image = RGBImage(width: w, height: h, pixels: [UInt8](repeating: 90, count: w * h * 3))
        // As distributed: .mat annotations with raw ids (0 unlabeled, 12 a dropped thing id).
        let jpeg = encodeJPEG(image.pixels, width: w, height: h)
        try scratch.write(jpeg, "images/COCO_train2014_000000000077.jpg")
        let raw = [0, 1, 11, 12, 13, 92, 182, 91, 90, 1, 1, 1]
        try scratch.write(MatWriter.file([MatWriter.compressed(MatWriter.cell("names")),
                                          MatWriter.compressed(MatWriter.matrix("S", rows: h, columns: w, values: raw))]),
                          "annotations/COCO_train2014_000000000077.mat")
        try scratch.write("COCO_train2014_000000000077\n", "imageLists/train.txt")
        let distributed = try CocoStuff10kDataset(root: scratch.path, split: "train")
        XCTAssertTrue(distributed.name.contains(".mat"))
        XCTAssertEqual(try distributed.sample(0).labels.values, [255, 0, 10, 255, 11, 80, 170, 255, 79, 0, 0, 0])
        XCTAssertEqual(CocoStuff10kDataset.trainIdOfRawId.compactMap { $0 }.filter { $0 != 255 }.count, 171)

        // mmseg's converted layout: images/train2014, annotations/train2014/*_labelTrainIds.png.
        let mm = try ScratchFolder()
        defer { mm.remove() }
        try mm.write(jpeg, "images/train2014/COCO_train2014_000000000077.jpg")
        try ImageFile.writeLabelPNG(LabelMap(width: w, height: h, values: [UInt8](repeating: 7, count: w * h)),
                                    to: mm.prepare("annotations/train2014/COCO_train2014_000000000077_labelTrainIds.png"))
        let converted = try CocoStuff10kDataset(root: mm.path, split: "train")
        XCTAssertTrue(converted.mmsegLayout)
        XCTAssertEqual(try converted.sample(0).labels.values, [UInt8](repeating: 7, count: w * h))
        XCTAssertThrowsError(try CocoStuff10kDataset(root: mm.path, split: "test"))
    }
}
