import Foundation
@testable import HardData
import XCTest

/// Each test builds a tiny dataset (16x8 images) in the published folder layout, written
/// with `ImageFile`, and reads it back through the loader.
final class DatasetTests: XCTestCase {
    var scratch: ScratchFolder!
    var root: String { scratch.path }

    override func setUpWithError() throws { scratch = try ScratchFolder() }
    override func tearDown() { scratch.remove() }

    let width = 16, height = 8

    /// A label map of `width` x `height` whose first values are `head`, the rest `fill`.
    func labels(_ head: [UInt8], fill: UInt8 = 0, width: Int? = nil) -> LabelMap {
        let w = width ?? self.width
        var values = [UInt8](repeating: fill, count: w * height)
        values.replaceSubrange(0..<head.count, with: head)
        return LabelMap(width: w, height: height, values: values)
    }

    func writeImage(_ relative: String, seed: Int = 1, width: Int? = nil) throws {
        try ImageFile.writePNG(patternImage(width: width ?? self.width, height: height, seed: seed), to: scratch.prepare(relative))
    }

    func writeLabels(_ relative: String, _ map: LabelMap, palette: [RGBColor]? = nil) throws {
        try ImageFile.writeLabelPNG(map, palette: palette, to: scratch.prepare(relative))
    }

    // MARK: Cityscapes

    /// val: aachen has two frames, bochum one; returns the stems in sorted order.
    @discardableResult
    func makeCityscapes(trainIds: Bool, labelIds: Bool) throws -> [String] {
        let stems = ["aachen/aachen_000001_000019", "aachen/aachen_000000_000019", "bochum/bochum_000000_000313"]
        for (i, stem) in stems.enumerated() {
            try writeImage("leftImg8bit/val/\(stem)_leftImg8bit.png", seed: i + 1)
            if trainIds { try writeLabels("gtFine/val/\(stem)_gtFine_labelTrainIds.png", labels([UInt8(i), 18, 255])) }
            if labelIds { try writeLabels("gtFine/val/\(stem)_gtFine_labelIds.png", labels([7, 26, 0, 33, 255, 24, 4, 9, 30])) }
            // The other gtFine files of the download must not confuse the listing.
            try ImageFile.writePNG(RGBImage(width: width, height: height), to: scratch.prepare("gtFine/val/\(stem)_gtFine_color.png"))
        }
        return stems.sorted()
    }

    func testCityscapesUsesTrainIdsSortedByCityThenName() throws {
        try makeCityscapes(trainIds: true, labelIds: true)
        let data = try CityscapesDataset(root: root, split: "val")
        XCTAssertEqual(data.count, 3)
        XCTAssertEqual(data.labelKind, .trainIds)
        XCTAssertEqual(data.name, "Cityscapes val (gtFine labelTrainIds)")
        XCTAssertEqual(data.files.map { ($0.image as NSString).lastPathComponent },
                       ["aachen_000000_000019_leftImg8bit.png", "aachen_000001_000019_leftImg8bit.png",
                        "bochum_000000_000313_leftImg8bit.png"])
        let (image, labels) = try data.sample(0)
        XCTAssertEqual(image, patternImage(width: width, height: height, seed: 2))   // aachen_000000 was written second
        XCTAssertEqual(Array(labels.values.prefix(4)), [1, 18, 255, 0])
        XCTAssertNoThrow(try data.validate())
    }

    func testCityscapesMapsLabelIdsToTrainIds() throws {
        try makeCityscapes(trainIds: false, labelIds: true)
        let data = try CityscapesDataset(root: root, split: "val")
        XCTAssertEqual(data.labelKind, .labelIds)
        let labels = try data.sample(2).labels
        // 7 road -> 0, 26 car -> 13, 0 unlabeled -> 255, 33 bicycle -> 18, 255 (-1, license
        // plate) -> 255, 24 person -> 11, 4 static -> 255, 9 parking -> 255, 30 trailer -> 255.
        XCTAssertEqual(Array(labels.values.prefix(10)), [0, 13, 255, 18, 255, 11, 255, 255, 255, 255])
        // The whole official table.
        let table = CityscapesDataset.trainIdOfLabelId
        let evaluated = (0...33).filter { table[$0] != 255 }
        XCTAssertEqual(evaluated, [7, 8, 11, 12, 13, 17, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 31, 32, 33])
        XCTAssertEqual(evaluated.map { table[$0]! }, (0...18).map { UInt8($0) })
        XCTAssertNil(table[34])
    }

    func testCityscapesFallsBackToLabelIdsWhenSomeTrainIdsAreMissing() throws {
        try makeCityscapes(trainIds: true, labelIds: true)
        try FileManager.default.removeItem(atPath: scratch.file("gtFine/val/bochum/bochum_000000_000313_gtFine_labelTrainIds.png"))
        XCTAssertEqual(try CityscapesDataset(root: root, split: "val").labelKind, .labelIds)
    }

    func testCityscapesNamesTheFirstMissingLabelFile() throws {
        try makeCityscapes(trainIds: false, labelIds: true)
        let missing = scratch.file("gtFine/val/aachen/aachen_000001_000019_gtFine_labelIds.png")
        try FileManager.default.removeItem(atPath: missing)
        let error = expectError(DatasetError.self) { _ = try CityscapesDataset(root: self.root, split: "val") }
        XCTAssertEqual(error?.file, missing)
        XCTAssertTrue(error?.problem.contains("aachen_000001_000019_leftImg8bit.png") ?? false, error?.problem ?? "")

        // In a converted folder the missing trainIds file is the one named.
        try makeCityscapes(trainIds: true, labelIds: false)
        let missingTrainIds = scratch.file("gtFine/val/bochum/bochum_000000_000313_gtFine_labelTrainIds.png")
        try FileManager.default.removeItem(atPath: missingTrainIds)
        XCTAssertEqual(expectError(DatasetError.self) { _ = try CityscapesDataset(root: self.root, split: "val") }?.file,
                       missingTrainIds)
    }

    func testCityscapesMissingSplitFolder() throws {
        try makeCityscapes(trainIds: true, labelIds: false)
        let error = expectError(DatasetError.self) { _ = try CityscapesDataset(root: self.root, split: "train") }
        XCTAssertEqual(error?.file, scratch.file("leftImg8bit/train"))
        XCTAssertTrue(error?.problem.hasPrefix("missing folder") ?? false)
    }

    func testCityscapesSizeMismatchAndBadValuesNameTheLabelFile() throws {
        try makeCityscapes(trainIds: true, labelIds: false)
        let data = try CityscapesDataset(root: root, split: "val")
        // Sample 1 (aachen_000001): labels 8 pixels too wide.
        let wide = scratch.file("gtFine/val/aachen/aachen_000001_000019_gtFine_labelTrainIds.png")
        try ImageFile.writeLabelPNG(labels([0], width: 24), to: wide)
        let mismatch = expectError(DatasetError.self) { _ = try data.sample(1) }
        XCTAssertEqual(mismatch?.file, wide)
        XCTAssertEqual(mismatch?.problem, "label map is 24x8 but its image "
            + scratch.file("leftImg8bit/val/aachen/aachen_000001_000019_leftImg8bit.png") + " is 16x8")
        // Sample 2 (bochum): trainId 19 does not exist.
        let bad = scratch.file("gtFine/val/bochum/bochum_000000_000313_gtFine_labelTrainIds.png")
        try ImageFile.writeLabelPNG(labels([0, 5, 255, 19, 40]), to: bad)
        XCTAssertEqual(expectError(DatasetError.self) { _ = try data.sample(2) },
                       DatasetError(file: bad, problem: "label value 19 at pixel (x 3, y 0) is not a class (0...18) nor 255 (ignore)"))
        XCTAssertEqual(expectError(DatasetError.self) { try data.validate() }?.file, wide, "validate stops at the first bad sample")
    }

    func testCityscapesLabelIdOutsideTheTableAndDamagedImageAreErrors() throws {
        try makeCityscapes(trainIds: false, labelIds: true)
        let data = try CityscapesDataset(root: root, split: "val")
        let label = scratch.file("gtFine/val/aachen/aachen_000000_000019_gtFine_labelIds.png")
        try ImageFile.writeLabelPNG(labels([7, 34]), to: label)
        XCTAssertEqual(expectError(DatasetError.self) { _ = try data.sample(0) }?.file, label)
        let image = scratch.file("leftImg8bit/val/bochum/bochum_000000_000313_leftImg8bit.png")
        try scratch.write("oops", "leftImg8bit/val/bochum/bochum_000000_000313_leftImg8bit.png")
        let damaged = expectError(DatasetError.self) { _ = try data.sample(2) }
        XCTAssertEqual(damaged?.file, image)
        XCTAssertTrue(damaged?.problem.hasPrefix("not a PNG or JPEG image") ?? false)
    }

    func testCityscapesClassesAndPalette() {
        XCTAssertEqual(CityscapesDataset.classNames.count, 19)
        XCTAssertEqual(CityscapesDataset.palette.count, 19)
        XCTAssertEqual(CityscapesDataset.classNames[13], "car")
        XCTAssertEqual(CityscapesDataset.palette[0], RGBColor(128, 64, 128))
        XCTAssertEqual(CityscapesDataset.palette[10], RGBColor(70, 130, 180))
        XCTAssertEqual(CityscapesDataset.palette[18], RGBColor(119, 11, 32))
        XCTAssertEqual(Set(CityscapesDataset.palette).count, 19)
    }

    // MARK: CamVid

    func makeCamVidFolders(split: String = "train") throws {
        for (i, name) in ["0001TP_006690.png", "Seq05VD_f00000.png"].enumerated() {
            try writeImage("\(split)/\(name)", seed: i + 1)
            try writeLabels("\(split)annot/\(name)", labels([0, 10, 11, UInt8(i), 255]))
        }
    }

    func testCamVidFoldersMapUnlabelledToIgnore() throws {
        try makeCamVidFolders()
        let data = try CamVidDataset(root: root, split: "train")
        XCTAssertEqual(data.count, 2)
        XCTAssertNil(data.listFile)
        XCTAssertEqual(data.classNames.count, 11)
        XCTAssertEqual(data.classNames[10], "Bicyclist")
        XCTAssertEqual(data.palette[4], RGBColor(60, 40, 222))
        let (image, labels) = try data.sample(1)
        XCTAssertEqual(image, patternImage(width: width, height: height, seed: 2))
        XCTAssertEqual(Array(labels.values.prefix(6)), [0, 10, 255, 1, 255, 0])
    }

    func testCamVidFullResolutionColourLabelsMapTheElevenClassesAndIgnoreTheRest() throws {
        // The 720x960 layout: train/<name>.png with train_labels/<name>_L.png in the original
        // 32-class colours (sizes here are the test's 16x8).
        let colours: [(RGBColor, UInt8)] = [
            (RGBColor(128, 128, 128), 0), (RGBColor(0, 0, 192), 4), (RGBColor(0, 128, 192), 10), (RGBColor(64, 64, 0), 9),
            (RGBColor(128, 0, 192), 255),   // LaneMkgsDriv: not one of the 11
            (RGBColor(0, 0, 0), 255),       // Void
        ]
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for (i, (c, _)) in colours.enumerated() { pixels[3 * i] = c.r; pixels[3 * i + 1] = c.g; pixels[3 * i + 2] = c.b }
        try writeImage("train/0001TP_006690.png")
        try ImageFile.writePNG(RGBImage(width: width, height: height, pixels: pixels), to: scratch.prepare("train_labels/0001TP_006690_L.png"))
        let data = try CamVidDataset(root: root, split: "train")
        XCTAssertTrue(data.fullResolution)
        XCTAssertEqual(data.name, "CamVid train (720x960 colour labels)")
        let labels = try data.sample(0).labels
        XCTAssertEqual(Array(labels.values.prefix(colours.count)), colours.map(\.1))
        XCTAssertEqual(labels.values[colours.count], 255, "the black remainder is Void")
        XCTAssertEqual(CamVidDataset.fullResolutionColors.count, 32)
        // A colour of no CamVid class is a damaged label, named; a missing label file is named too.
        pixels[0] = 1
        try ImageFile.writePNG(RGBImage(width: width, height: height, pixels: pixels), to: scratch.prepare("train_labels/0001TP_006690_L.png"))
        XCTAssertThrowsError(try data.sample(0)) { XCTAssertTrue("\($0)".contains("0001TP_006690_L.png"), "\($0)") }
        try writeImage("train/0001TP_006720.png")
        XCTAssertThrowsError(try CamVidDataset(root: root, split: "train")) { XCTAssertTrue("\($0)".contains("0001TP_006720_L.png"), "\($0)") }
    }

    func testCamVidSegNetListWithAbsoluteAndRelativePaths() throws {
        try makeCamVidFolders(split: "test")
        // Without test/ beside testannot/ the list must be used.
        try FileManager.default.moveItem(atPath: scratch.file("test"), toPath: scratch.file("images"))
        try writeLabels("annotations/Seq05VD_f00000.png", labels([3, 11]))
        try scratch.write("""
            /SegNet/CamVid/images/0001TP_006690.png /SegNet/CamVid/testannot/0001TP_006690.png\r
            \r
            images/Seq05VD_f00000.png\tannotations/Seq05VD_f00000.png
            """, "test.txt")
        let data = try CamVidDataset(root: root, split: "test")
        XCTAssertEqual(data.count, 2)
        XCTAssertEqual(data.listFile, scratch.file("test.txt"))
        XCTAssertEqual(data.files[0].label, scratch.file("testannot/0001TP_006690.png"))
        XCTAssertEqual(Array(try data.sample(1).labels.values.prefix(3)), [3, 255, 0])
    }

    func testCamVidBrokenCases() throws {
        try makeCamVidFolders()
        // Out-of-range value.
        let label = scratch.file("trainannot/0001TP_006690.png")
        try ImageFile.writeLabelPNG(labels([0, 12]), to: label)
        XCTAssertEqual(expectError(DatasetError.self) { _ = try CamVidDataset(root: self.root, split: "train").sample(0) },
                       DatasetError(file: label, problem: "label value 12 at pixel (x 1, y 0) is not a class (0...10) nor 255 (ignore)"))
        // Missing annotation.
        try FileManager.default.removeItem(atPath: label)
        let missing = expectError(DatasetError.self) { _ = try CamVidDataset(root: self.root, split: "train") }
        XCTAssertEqual(missing?.file, label)
        XCTAssertTrue(missing?.problem.hasPrefix("missing label file") ?? false)
        // Missing split.
        XCTAssertEqual(expectError(DatasetError.self) { _ = try CamVidDataset(root: self.root, split: "val") }?.file,
                       scratch.file("val"))
        // Malformed list line.
        try scratch.write("val/a.png\n", "val.txt")
        XCTAssertEqual(expectError(DatasetError.self) { _ = try CamVidDataset(root: self.root, split: "val") },
                       DatasetError(file: scratch.file("val.txt"), problem: "line 1: expected \"image_path label_path\", got \"val/a.png\""))
    }

    // MARK: COCO-Stuff-10k

    func makeCocoStuff() throws {
        let names = ["COCO_train2014_000000000077", "COCO_train2014_000000000149", "COCO_train2014_000000000260"]
        for (i, name) in names.enumerated() {
            let pixels = patternImage(width: width, height: height, seed: i + 1).pixels
            try scratch.write(encodeJPEG(pixels, width: width, height: height), "images/\(name).jpg")
            try writeLabels("annotations/\(name)_labelTrainIds.png", labels([0, 170, 255, UInt8(80 + i)]))
        }
        try scratch.write(names[0] + "\n" + names[2] + "\n", "imageLists/train.txt")
        try scratch.write(names[1] + ".jpg\n", "imageLists/test.txt")
    }

    func testCocoStuffListsSplitsAndReadsTrainIds() throws {
        try makeCocoStuff()
        let train = try CocoStuff10kDataset(root: root, split: "train")
        XCTAssertEqual(train.count, 2)
        XCTAssertEqual(try CocoStuff10kDataset(root: root, split: "test").count, 1)
        let (image, labels) = try train.sample(1)
        XCTAssertEqual(image.width, width)
        XCTAssertEqual(image.height, height)
        XCTAssertEqual(Array(labels.values.prefix(4)), [0, 170, 255, 82])
        XCTAssertNoThrow(try train.validate())
    }

    func testCocoStuffClassNamesAndPalette() {
        let names = CocoStuff10kDataset.classNames
        XCTAssertEqual(names.count, 171)
        XCTAssertEqual(Set(names).count, 171)
        XCTAssertEqual([names[0], names[1], names[2], names[79]], ["person", "bicycle", "car", "toothbrush"])
        XCTAssertEqual([names[80], names[81], names[170]], ["banner", "blanket", "wood"])
        XCTAssertEqual([names[94], names[145], names[157]], ["clouds", "sky-other", "tree"])
        let palette = CocoStuff10kDataset.palette
        XCTAssertEqual(palette.count, 171)
        XCTAssertEqual(Set(palette).count, 171)
        XCTAssertFalse(palette.contains(RGBColor(0, 0, 0)))
        // VOC colour map: 1 -> (128,0,0), 2 -> (0,128,0), 3 -> (128,128,0), 9 -> (192,0,0).
        XCTAssertEqual(Array(palette[0..<3]), [RGBColor(128, 0, 0), RGBColor(0, 128, 0), RGBColor(128, 128, 0)])
        XCTAssertEqual(palette[8], RGBColor(192, 0, 0))
    }

    func testCocoStuffBrokenCases() throws {
        try makeCocoStuff()
        let label = scratch.file("annotations/COCO_train2014_000000000260_labelTrainIds.png")
        try ImageFile.writeLabelPNG(labels([171]), to: label)
        XCTAssertEqual(expectError(DatasetError.self) { _ = try CocoStuff10kDataset(root: self.root, split: "train").sample(1) }?.problem,
                       "label value 171 at pixel (x 0, y 0) is not a class (0...170) nor 255 (ignore)")
        try FileManager.default.removeItem(atPath: label)
        // Neither annotation: the error names the .mat as distributed and says the PNG would do.
        let missing = expectError(DatasetError.self) { _ = try CocoStuff10kDataset(root: self.root, split: "train") }
        XCTAssertEqual(missing?.file, scratch.file("annotations/COCO_train2014_000000000260.mat"))
        XCTAssertTrue(missing?.problem.contains("COCO_train2014_000000000260_labelTrainIds.png") ?? false, "\(String(describing: missing))")
        let missingList = expectError(DatasetError.self) { _ = try CocoStuff10kDataset(root: self.root, split: "val") }
        XCTAssertEqual(missingList?.file, scratch.file("imageLists/val.txt"))
    }

    // MARK: Folder

    let classesJSON = """
        {"classes": [{"name": "road", "color": [128, 64, 128]},
                     {"name": "car", "color": [0, 0, 142]},
                     {"name": "person", "color": [220, 20, 60]}],
         "ignore_color": [0, 0, 0]}
        """

    func makeFolder(prefix: String = "") throws {
        try scratch.write(classesJSON, "classes.json")
        try writeImage(prefix + "images/a.png", seed: 1)
        let pixels = patternImage(width: width, height: height, seed: 3).pixels
        try scratch.write(encodeJPEG(pixels, width: width, height: height), prefix + "images/c.JPG")
        // a: RGB mask in class colours; c: gray mask of indices.
        var rgb = RGBImage(width: width, height: height, fill: (128, 64, 128))
        rgb.pixels.replaceSubrange(0..<9, with: [0, 0, 142, 220, 20, 60, 0, 0, 0])
        try ImageFile.writePNG(rgb, to: scratch.prepare(prefix + "masks/a.png"))
        try writeLabels(prefix + "masks/c.png", labels([2, 1, 255]))
    }

    func testFolderDatasetReadsRGBAndIndexMasks() throws {
        try makeFolder()
        let data = try FolderDataset(root: root, split: "all")
        XCTAssertEqual(data.count, 2)
        XCTAssertEqual(data.classNames, ["road", "car", "person"])
        XCTAssertEqual(data.palette[1], RGBColor(0, 0, 142))
        XCTAssertEqual(data.ignoreColor, RGBColor(0, 0, 0))
        XCTAssertEqual(Array(try data.sample(0).labels.values.prefix(4)), [1, 2, 255, 0])
        let jpegSample = try data.sample(1)
        XCTAssertEqual(jpegSample.image.width, width)
        XCTAssertEqual(Array(jpegSample.labels.values.prefix(4)), [2, 1, 255, 0])

        // A palette mask counts by its indices, whatever colours its palette has.
        let scrambled = [RGBColor(9, 9, 9), RGBColor(220, 20, 60), RGBColor(128, 64, 128)]
        try writeLabels("masks/c.png", labels([2, 1, 0]), palette: scrambled)
        XCTAssertEqual(Array(try data.sample(1).labels.values.prefix(3)), [2, 1, 0])
    }

    func testFolderDatasetSplitFolders() throws {
        try makeFolder(prefix: "train/")
        XCTAssertEqual(try FolderDataset(root: root, split: "train").count, 2)
        let error = expectError(DatasetError.self) { _ = try FolderDataset(root: self.root, split: "val") }
        XCTAssertEqual(error?.file, scratch.file("val/images"))
        XCTAssertTrue(error?.problem.hasPrefix("missing folder") ?? false)
        XCTAssertEqual(expectError(DatasetError.self) { _ = try FolderDataset(root: self.root) }?.file, scratch.file("images"))
    }

    func testFolderDatasetBrokenMasks() throws {
        try makeFolder()
        var rgb = RGBImage(width: width, height: height, fill: (128, 64, 128))
        rgb.pixels.replaceSubrange(3..<6, with: [1, 2, 3])
        let mask = scratch.file("masks/a.png")
        try ImageFile.writePNG(rgb, to: mask)
        XCTAssertEqual(expectError(DatasetError.self) { _ = try FolderDataset(root: self.root).sample(0) },
                       DatasetError(file: mask, problem: "colour (1, 2, 3) at pixel (x 1, y 0) is not in the colour table (4 colours)"))
        try writeLabels("masks/c.png", labels([3]))
        XCTAssertEqual(expectError(DatasetError.self) { _ = try FolderDataset(root: self.root).sample(1) }?.problem,
                       "label value 3 at pixel (x 0, y 0) is not a class (0...2) nor 255 (ignore)")
        try FileManager.default.removeItem(atPath: mask)
        XCTAssertEqual(expectError(DatasetError.self) { _ = try FolderDataset(root: self.root) },
                       DatasetError(file: mask, problem: "missing mask for \(scratch.file("images/a.png"))"))
        try writeLabels("masks/a.png", labels([0]))
        try writeImage("images/c.png")   // beside c.JPG: which image would masks/c.png label?
        XCTAssertEqual(expectError(DatasetError.self) { _ = try FolderDataset(root: self.root) }?.file, scratch.file("images/c.png"))
    }

    func testMalformedClassesJSONIsNamed() throws {
        try makeFolder()
        let path = scratch.file("classes.json")
        let cases: [(String, String)] = [
            ("{\"classes\": [", "not valid JSON"),
            ("{\"names\": []}", "missing \"classes\" in the top level"),
            ("{\"classes\": [{\"name\": \"road\", \"color\": \"red\"}]}", "classes[0].color: expected an array"),
            ("{\"classes\": [{\"name\": \"road\"}]}", "missing \"color\" in classes[0]"),
            ("{\"classes\": [{\"name\": \"road\", \"color\": [1, 2, 300]}]}", "classes[0].color must be [r, g, b] with each in 0...255, got [1, 2, 300]"),
            ("{\"classes\": [{\"name\": \"road\", \"color\": [1, 2]}]}", "classes[0].color must be [r, g, b] with each in 0...255, got [1, 2]"),
            ("{\"classes\": []}", "\"classes\" is empty"),
            ("{\"classes\": [{\"name\": \"a\", \"color\": [1, 2, 3]}, {\"name\": \"b\", \"color\": [1, 2, 3]}]}",
             "classes[0] and classes[1] have the same colour [1, 2, 3]; RGB masks would be ambiguous"),
            ("{\"classes\": [{\"name\": \"a\", \"color\": [1, 2, 3]}, {\"name\": \"a\", \"color\": [4, 5, 6]}]}",
             "classes[0] and classes[1] are both named \"a\""),
            ("{\"classes\": [{\"name\": \"a\", \"color\": [1, 2, 3]}], \"ignore_color\": [1, 2, 3]}",
             "ignore_color [1, 2, 3] is also the colour of classes[0]"),
        ]
        for (json, problem) in cases {
            try scratch.write(json, "classes.json")
            let error = expectError(DatasetError.self) { _ = try FolderDataset(root: self.root) }
            XCTAssertEqual(error?.file, path, json)
            XCTAssertTrue(error?.problem.hasPrefix(problem) ?? false, "\(json): \(error?.problem ?? "")")
        }
        try FileManager.default.removeItem(atPath: path)
        XCTAssertEqual(expectError(DatasetError.self) { _ = try FolderDataset(root: self.root) },
                       DatasetError(file: path, problem: "missing class file (classes.json)"))
    }
}
