import Foundation
@testable import HardData
import XCTest

final class CodecTests: XCTestCase {
    var scratch: ScratchFolder!

    override func setUpWithError() throws { scratch = try ScratchFolder() }
    override func tearDown() { scratch.remove() }

    /// Byte 25 of a PNG is IHDR's colour type.
    private func colorType(ofPNG bytes: [UInt8]) -> UInt8 { bytes[25] }

    // MARK: Round trips

    func testRGBRoundTripIsExact() throws {
        let image = patternImage(width: 17, height: 9)
        let path = scratch.file("rgb.png")
        try ImageFile.writePNG(image, to: path)
        XCTAssertEqual(try ImageFile.readRGB(path), image)
        let bytes = try ImageFile.encodePNG(image)
        XCTAssertEqual(colorType(ofPNG: bytes), 2)
        XCTAssertEqual(try ImageFile.decodeRGB(bytes, name: "memory"), image)
    }

    func testGrayLabelRoundTripKeepsAll256Values() throws {
        let labels = LabelMap(width: 32, height: 8, values: (0..<256).map { UInt8($0) })
        let path = scratch.file("gray.png")
        try ImageFile.writeLabelPNG(labels, to: path)
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        XCTAssertEqual(colorType(ofPNG: bytes), 0, "no palette: 8-bit grayscale")
        XCTAssertEqual(bytes[24], 8, "bit depth")
        XCTAssertEqual(try ImageFile.readLabels(path), labels)
        // As an image, a gray PNG is its value replicated to R, G, B.
        let rgb = try ImageFile.readRGB(path)
        XCTAssertEqual(Array(rgb.pixels[(3 * 200)..<(3 * 201 + 3)]), [200, 200, 200, 201, 201, 201])
    }

    func testPaletteLabelRoundTripKeepsIndicesNotColours() throws {
        // A palette in a scrambled order whose colours are unrelated to the indices, and two
        // indices sharing one colour: only the indices must come back.
        let palette: [RGBColor] = (0..<256).map { (i: Int) -> RGBColor in
            let r = UInt8((i * 37 + 11) % 256), g = UInt8((i * 101) % 256), b = UInt8(255 - i)
            return RGBColor(r, g, b)
        }
        var sharedPalette = palette
        sharedPalette[7] = sharedPalette[200]
        let values: [UInt8] = (0..<256).map { (i: Int) -> UInt8 in UInt8((i * 97 + 13) % 256) }   // 97 is odd: a permutation of 0...255
        let labels = LabelMap(width: 16, height: 16, values: values)
        let path = scratch.file("palette.png")
        try ImageFile.writeLabelPNG(labels, palette: sharedPalette, to: path)

        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        XCTAssertEqual(colorType(ofPNG: bytes), 3)
        XCTAssertEqual(try ImageFile.readLabels(path), labels)
        // As an image, each pixel is its index's palette colour.
        let rgb = try ImageFile.readRGB(path)
        for i in [0, 1, 100, 255] {
            let c = sharedPalette[Int(values[i])]
            XCTAssertEqual(Array(rgb.pixels[(3 * i)..<(3 * i + 3)]), [c.r, c.g, c.b])
        }
    }

    func testShortPaletteIsPaddedTo256Entries() throws {
        let labels = LabelMap(width: 4, height: 1, values: [0, 1, 2, 255])
        let palette = [RGBColor(128, 64, 128), RGBColor(244, 35, 232), RGBColor(70, 70, 70)]
        let bytes = try ImageFile.encodeLabelPNG(labels, palette: palette, name: "memory")
        // PLTE follows IHDR (8 signature + 25 IHDR bytes); its length is 256 * 3.
        XCTAssertEqual(Array(bytes[33..<41]), CraftedPNG.be32(768) + Array("PLTE".utf8))
        XCTAssertEqual(Array(bytes[41..<47]), [128, 64, 128, 244, 35, 232])
        XCTAssertEqual(try ImageFile.decodeLabels(bytes, name: "memory", colors: nil, unknownColorIsIgnore: false), labels)
        XCTAssertEqual(try ImageFile.decodeRGB(bytes, name: "memory").pixels, [128, 64, 128, 244, 35, 232, 70, 70, 70, 0, 0, 0])
        let tooMany = [RGBColor](repeating: RGBColor(1, 2, 3), count: 257)
        XCTAssertThrowsError(try ImageFile.writeLabelPNG(labels, palette: tooMany, to: scratch.file("x.png")))
    }

    // MARK: Decoding PNGs libpng did not write

    func testLowBitDepthsAlphaAndTransparencyDecode() throws {
        // 4-bit gray: labels are the stored values, the image scales them (v * 17).
        let gray4 = CraftedPNG.png(width: 3, height: 2, bitDepth: 4, colorType: 0, samples: [0, 1, 2, 3, 14, 15])
        XCTAssertEqual(try ImageFile.decodeLabels(gray4, name: "g4", colors: nil, unknownColorIsIgnore: false).values,
                       [0, 1, 2, 3, 14, 15])
        XCTAssertEqual(try ImageFile.decodeRGB(gray4, name: "g4").pixels.enumerated().filter { $0.offset % 3 == 0 }.map(\.element),
                       [0, 17, 34, 51, 238, 255])
        // 1-bit gray, width not a multiple of 8.
        let gray1 = CraftedPNG.png(width: 9, height: 1, bitDepth: 1, colorType: 0, samples: [1, 0, 1, 1, 0, 0, 0, 1, 1])
        XCTAssertEqual(try ImageFile.decodeLabels(gray1, name: "g1", colors: nil, unknownColorIsIgnore: false).values,
                       [1, 0, 1, 1, 0, 0, 0, 1, 1])
        // 2-bit palette with tRNS: indices for labels, opaque colours for the image.
        let palette = [RGBColor(10, 20, 30), RGBColor(40, 50, 60), RGBColor(70, 80, 90)]
        let pal2 = CraftedPNG.png(width: 3, height: 1, bitDepth: 2, colorType: 3, samples: [2, 0, 1],
                                  palette: palette, trns: [0, 128])
        XCTAssertEqual(try ImageFile.decodeLabels(pal2, name: "p2", colors: nil, unknownColorIsIgnore: false).values, [2, 0, 1])
        XCTAssertEqual(try ImageFile.decodeRGB(pal2, name: "p2").pixels, [70, 80, 90, 10, 20, 30, 40, 50, 60])
        // Gray + alpha: alpha dropped.
        let grayAlpha = CraftedPNG.png(width: 2, height: 1, bitDepth: 8, colorType: 4, samples: [5, 0, 250, 255])
        XCTAssertEqual(try ImageFile.decodeLabels(grayAlpha, name: "ga", colors: nil, unknownColorIsIgnore: false).values, [5, 250])
        XCTAssertEqual(try ImageFile.decodeRGB(grayAlpha, name: "ga").pixels, [5, 5, 5, 250, 250, 250])
        // RGBA: alpha dropped, colours untouched even where fully transparent.
        let rgba = CraftedPNG.png(width: 2, height: 1, bitDepth: 8, colorType: 6, samples: [1, 2, 3, 0, 4, 5, 6, 255])
        XCTAssertEqual(try ImageFile.decodeRGB(rgba, name: "rgba").pixels, [1, 2, 3, 4, 5, 6])
    }

    func testInterlacedPNGDecodesLikeTheImage() throws {
        let image = patternImage(width: 11, height: 10, seed: 7)
        let bytes = CraftedPNG.png(width: 11, height: 10, bitDepth: 8, colorType: 2,
                                   samples: image.pixels.map(Int.init), interlaced: true)
        XCTAssertEqual(bytes[28], 1, "Adam7")
        XCTAssertEqual(try ImageFile.decodeRGB(bytes, name: "adam7"), image)
        let values = (0..<(11 * 10)).map { $0 % 19 }
        let labels = CraftedPNG.png(width: 11, height: 10, bitDepth: 8, colorType: 0, samples: values, interlaced: true)
        XCTAssertEqual(try ImageFile.decodeLabels(labels, name: "adam7", colors: nil, unknownColorIsIgnore: false).values,
                       values.map { UInt8($0) })
    }

    func testSixteenBitPNGIsRejected() throws {
        let bytes = CraftedPNG.png(width: 2, height: 2, bitDepth: 16, colorType: 0, samples: [0, 1, 2, 3])
        let path = scratch.file("depth16.png")
        try scratch.write(bytes, "depth16.png")
        for read in [{ _ = try ImageFile.readRGB(path) }, { _ = try ImageFile.readLabels(path) }] {
            let error = expectError(ImageIOError.self, read)
            XCTAssertEqual(error?.file, path)
            XCTAssertEqual(error?.problem, "16-bit PNG is not supported; convert to 8-bit")
        }
        let rgb16 = CraftedPNG.png(width: 1, height: 1, bitDepth: 16, colorType: 2, samples: [1, 2, 3])
        XCTAssertEqual(expectError(ImageIOError.self) { _ = try ImageFile.decodeRGB(rgb16, name: "rgb16") }?.problem,
                       "16-bit PNG is not supported; convert to 8-bit")
    }

    // MARK: JPEG

    func testJPEGDecodeIsCloseToTheEncodedImage() throws {
        // A smooth image: JPEG at quality 95, 4:4:4, should come back within a few levels.
        let width = 32, height = 24
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                pixels[3 * (y * width + x)] = UInt8(x * 8)
                pixels[3 * (y * width + x) + 1] = UInt8(y * 10)
                pixels[3 * (y * width + x) + 2] = UInt8(128 + (x - y))
            }
        }
        let image = RGBImage(width: width, height: height, pixels: pixels)
        // Saved as ".png": the format is told by the bytes, not by the name.
        let path = scratch.file("actually-a-jpeg.png")
        try scratch.write(encodeJPEG(pixels, width: width, height: height), "actually-a-jpeg.png")
        let decoded = try ImageFile.readRGB(path)
        XCTAssertEqual(decoded.width, width)
        XCTAssertEqual(decoded.height, height)
        let differences = zip(decoded.pixels, image.pixels).map { abs(Int($0) - Int($1)) }
        let mean = Double(differences.reduce(0, +)) / Double(differences.count)
        XCTAssertLessThan(mean, 2.0)
        XCTAssertLessThanOrEqual(differences.max()!, 12)
    }

    func testGrayscaleJPEGDecodesToEqualChannels() throws {
        let gray = (0..<(16 * 8)).map { UInt8($0 * 2) }
        let decoded = try ImageFile.decodeRGB(encodeJPEG(gray, width: 16, height: 8, gray: true), name: "gray.jpg")
        for i in 0..<(16 * 8) {
            XCTAssertEqual(decoded.pixels[3 * i], decoded.pixels[3 * i + 1])
            XCTAssertEqual(decoded.pixels[3 * i], decoded.pixels[3 * i + 2])
            XCTAssertLessThanOrEqual(abs(Int(decoded.pixels[3 * i]) - Int(gray[i])), 6)
        }
    }

    func testJPEGWithPaddingBeforeEndMarkerDecodesButDamagedDataDoesNot() throws {
        let image = patternImage(width: 24, height: 16, seed: 3)
        let jpeg = encodeJPEG(image.pixels, width: 24, height: 16)
        XCTAssertEqual(Array(jpeg.suffix(2)), [0xFF, 0xD9])
        let reference = try ImageFile.decodeRGB(jpeg, name: "reference.jpg")
        // Zero padding before EOI: libjpeg warns "10 extraneous bytes before marker 0xd9"
        // (the entropy decoder reads a few ahead); the pixels are unchanged.
        let padded = Array(jpeg.dropLast(2)) + [UInt8](repeating: 0, count: 16) + [0xFF, 0xD9]
        XCTAssertEqual(try ImageFile.decodeRGB(padded, name: "padded.jpg"), reference)
        // Garbage in the middle of the entropy-coded data is damage.
        var damaged = jpeg
        for i in (jpeg.count - 60)..<(jpeg.count - 20) { damaged[i] = 0xFF }
        XCTAssertTrue(expectError(ImageIOError.self) { _ = try ImageFile.decodeRGB(damaged, name: "damaged.jpg") }?
            .problem.hasPrefix("damaged JPEG") ?? false)
    }

    func testJPEGLabelMapIsRejected() throws {
        let path = scratch.file("labels.jpg")
        try scratch.write(encodeJPEG([UInt8](repeating: 3, count: 8 * 8), width: 8, height: 8, gray: true), "labels.jpg")
        let error = expectError(ImageIOError.self) { _ = try ImageFile.readLabels(path) }
        XCTAssertEqual(error?.file, path)
        XCTAssertTrue(error?.problem.contains("label maps must be PNG") ?? false, error?.problem ?? "")
    }

    // MARK: Damaged and wrong files

    func testTruncatedFilesAreErrorsNamingTheFile() throws {
        let png = try ImageFile.encodePNG(patternImage(width: 40, height: 30))   // noise: IDAT is most of the file
        let jpeg = encodeJPEG(patternImage(width: 40, height: 30).pixels, width: 40, height: 30)
        for (name, bytes) in [("cut.png", png), ("cut.jpg", jpeg)] {
            for keep in [bytes.count / 2, bytes.count - 40, 20] {
                try scratch.write(Array(bytes.prefix(keep)), name)
                let path = scratch.file(name)
                let error = expectError(ImageIOError.self) { _ = try ImageFile.readRGB(path) }
                XCTAssertEqual(error?.file, path, "\(name) cut to \(keep) bytes")
            }
        }
        try scratch.write(Array(png.prefix(png.count / 2)), "cut.png")
        XCTAssertEqual(expectError(ImageIOError.self) { _ = try ImageFile.readRGB(self.scratch.file("cut.png")) }?.problem,
                       "damaged PNG: the file ends early (truncated)")
        XCTAssertTrue(expectError(ImageIOError.self) { _ = try ImageFile.decodeRGB(Array(jpeg.prefix(jpeg.count / 2)), name: "j") }?
            .problem.hasPrefix("damaged JPEG") ?? false)
    }

    func testCorruptImageDataIsAnError() throws {
        var png = try ImageFile.encodePNG(patternImage(width: 20, height: 20))
        png[png.count / 2] ^= 0xFF   // inside IDAT: its CRC no longer matches
        let error = expectError(ImageIOError.self) { _ = try ImageFile.decodeRGB(png, name: "flipped.png") }
        XCTAssertEqual(error?.file, "flipped.png")
        XCTAssertTrue(error?.problem.hasPrefix("damaged PNG:") ?? false, error?.problem ?? "")

        // A header claiming 65535 x 65535 is refused before 12 GB are allocated.
        var huge = CraftedPNG.png(width: 1, height: 1, bitDepth: 8, colorType: 0, samples: [0])
        let ihdr = CraftedPNG.chunk("IHDR", CraftedPNG.be32(65535) + CraftedPNG.be32(65535) + [8, 0, 0, 0, 0])
        huge.replaceSubrange(8..<33, with: ihdr)
        XCTAssertTrue(expectError(ImageIOError.self) { _ = try ImageFile.decodeRGB(huge, name: "huge.png") }?
            .problem.contains("over the limit") ?? false)
    }

    func testRandomDamageIsAlwaysAnErrorOrAnImageNeverACrash() throws {
        let palette: [RGBColor] = (0..<256).map { (i: Int) -> RGBColor in
            RGBColor(UInt8(i), UInt8(255 - i), UInt8((i * 7) % 256))
        }
        let labelValues: [UInt8] = (0..<(13 * 6)).map { (i: Int) -> UInt8 in UInt8(i % 19) }
        let image = patternImage(width: 13, height: 6, seed: 5)
        let originals: [(name: String, bytes: [UInt8], isPNG: Bool)] = [
            ("rgb.png", try ImageFile.encodePNG(image), true),
            ("palette.png", try ImageFile.encodeLabelPNG(LabelMap(width: 13, height: 6, values: labelValues), palette: palette, name: "p"), true),
            ("adam7.png", CraftedPNG.png(width: 13, height: 6, bitDepth: 8, colorType: 2, samples: image.pixels.map(Int.init), interlaced: true), true),
            ("gray2.png", CraftedPNG.png(width: 13, height: 6, bitDepth: 2, colorType: 0, samples: labelValues.map { Int($0) % 4 }), true),
            ("photo.jpg", encodeJPEG(image.pixels, width: 13, height: 6), false),
        ]
        var random = SplitMix(state: 42)
        var decoded = 0, rejected = 0
        for original in originals {
            for _ in 0..<300 {
                var bytes = original.bytes
                for _ in 0...random.below(4) {
                    bytes[random.below(bytes.count)] = UInt8(truncatingIfNeeded: random.next())
                }
                if random.below(4) == 0 { bytes = Array(bytes.prefix(random.below(bytes.count) + 1)) }
                if original.isPNG { bytes = CraftedPNG.fixingCRCs(bytes) }
                let colors: [RGBColor: UInt8] = [RGBColor(0, 0, 0): 0]
                let reads: [() throws -> Void] = [
                    { _ = try ImageFile.decodeRGB(bytes, name: original.name) },
                    { _ = try ImageFile.decodeLabels(bytes, name: original.name, colors: colors, unknownColorIsIgnore: true) },
                ]
                for read in reads {
                    do {
                        try read()
                        decoded += 1
                    } catch let error as ImageIOError {
                        XCTAssertEqual(error.file, original.name)
                        rejected += 1
                    }
                }
            }
        }
        // Both outcomes happen: the test reached the decoders, not only the magic-byte check.
        XCTAssertGreaterThan(decoded, 100)
        XCTAssertGreaterThan(rejected, 100)
    }

    func testGarbageEmptyMissingAndFolderAreErrorsNamingThePath() throws {
        try scratch.write("just some text, not an image\n", "notes.png")
        try scratch.write([], "empty.png")
        try scratch.write(Array("GIF89a".utf8) + [1, 0, 1, 0], "anim.gif")
        try FileManager.default.createDirectory(atPath: scratch.file("folder.png"), withIntermediateDirectories: true)
        let cases: [(String, String)] = [
            ("notes.png", "not a PNG or JPEG image (first bytes 6A 75 73 74 20 73 6F 6D)"),
            ("empty.png", "file is empty"),
            ("anim.gif", "not a PNG or JPEG image (a GIF file; first bytes 47 49 46 38 39 61 01 00)"),
            ("missing.png", "no such file"),
            ("folder.png", "is a folder, not an image file"),
        ]
        for (name, problem) in cases {
            let path = scratch.file(name)
            for read in [{ _ = try ImageFile.readRGB(path) }, { _ = try ImageFile.readLabels(path) }] {
                XCTAssertEqual(expectError(ImageIOError.self, read), ImageIOError(file: path, problem: problem))
            }
        }
    }

    func testUnreadableFileIsAnError() throws {
        guard getuid() != 0 else { throw XCTSkip("root reads files whatever their permissions") }
        let path = scratch.file("locked.png")
        try ImageFile.writePNG(patternImage(width: 2, height: 2), to: path)
        chmod(path, 0)
        XCTAssertEqual(expectError(ImageIOError.self) { _ = try ImageFile.readRGB(path) },
                       ImageIOError(file: path, problem: "permission denied"))
    }

    // MARK: RGB label maps

    func testColourTableMapsRGBLabelsAndNamesUnknownColours() throws {
        let road = RGBColor(128, 64, 128), car = RGBColor(0, 0, 142), void = RGBColor(0, 0, 0)
        let colors: [RGBColor: UInt8] = [road: 0, car: 13, void: 255]
        func rgb(_ cs: [RGBColor]) -> RGBImage { RGBImage(width: cs.count, height: 1, pixels: cs.flatMap { [$0.r, $0.g, $0.b] }) }
        let path = scratch.file("color.png")
        try ImageFile.writePNG(rgb([road, road, car, void, car]), to: path)
        XCTAssertEqual(try ImageFile.readLabels(path, colors: colors).values, [0, 0, 13, 255, 13])

        let strange = RGBColor(1, 2, 3)
        try ImageFile.writePNG(rgb([road, car, strange, road]), to: path)
        XCTAssertEqual(expectError(ImageIOError.self) { _ = try ImageFile.readLabels(path, colors: colors) },
                       ImageIOError(file: path, problem: "colour (1, 2, 3) at pixel (x 2, y 0) is not in the colour table (3 colours)"))
        XCTAssertEqual(try ImageFile.readLabels(path, colors: colors, unknownColorIsIgnore: true).values, [0, 13, 255, 0])

        let noTable = expectError(ImageIOError.self) { _ = try ImageFile.readLabels(path) }
        XCTAssertEqual(noTable?.file, path)
        XCTAssertTrue(noTable?.problem.contains("needs a colour table") ?? false)

        // RGBA masks map the same way (alpha ignored).
        let rgba = CraftedPNG.png(width: 2, height: 1, bitDepth: 8, colorType: 6, samples: [0, 0, 142, 255, 128, 64, 128, 0])
        XCTAssertEqual(try ImageFile.decodeLabels(rgba, name: "rgba", colors: colors, unknownColorIsIgnore: false).values, [13, 0])
    }

    // MARK: Writing

    func testWritesReplaceAtomicallyAndLeaveNoTemporaryFiles() throws {
        let path = scratch.file("out.png")
        try ImageFile.writePNG(patternImage(width: 4, height: 4, seed: 1), to: path)
        let second = patternImage(width: 6, height: 2, seed: 2)
        try ImageFile.writePNG(second, to: path)
        XCTAssertEqual(try ImageFile.readRGB(path), second)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: scratch.path), ["out.png"])

        let nowhere = scratch.file("no/such/folder/out.png")
        let error = expectError(ImageIOError.self) { try ImageFile.writeLabelPNG(LabelMap(width: 1, height: 1), to: nowhere) }
        XCTAssertEqual(error?.file, nowhere)
        XCTAssertTrue(error?.problem.contains("no such folder") ?? false, error?.problem ?? "")
    }
}
