import XCTest
import HardEngine
@testable import HardData

final class SynthStreetsTests: XCTestCase {
    func testScenesAreDeterministicAndSplitsDiffer() {
        let a = SynthStreets(split: .train, count: 3, width: 96, height: 64, seed: 5)
        let b = SynthStreets(split: .train, count: 3, width: 96, height: 64, seed: 5)
        let v = SynthStreets(split: .val, count: 3, width: 96, height: 64, seed: 5)
        XCTAssertEqual(a.sample(1).image, b.sample(1).image)
        XCTAssertEqual(a.sample(1).labels, b.sample(1).labels)
        XCTAssertNotEqual(a.sample(1).image, v.sample(1).image)
        XCTAssertNotEqual(a.sample(0).image, a.sample(1).image)
    }

    func testEveryClassAppearsAndThinClassesAreInMostImages() {
        let ds = SynthStreets(split: .train, count: 20, width: 160, height: 120)
        var seen = Set<UInt8>()
        var withPole = 0, withSign = 0
        for i in 0..<ds.count {
            let labels = Set(ds.sample(i).labels.values)
            XCTAssertFalse(labels.contains(LabelMap.ignore), "every pixel is labelled")
            seen.formUnion(labels)
            if labels.contains(2) { withPole += 1 }
            if labels.contains(6) { withSign += 1 }
        }
        XCTAssertEqual(seen, Set(0..<11), "all 11 CamVid classes over 20 scenes")
        XCTAssertGreaterThanOrEqual(withPole, 16, "poles in most images")
        XCTAssertGreaterThanOrEqual(withSign, 10, "signs in many images")
    }

    /// Regression: 640x360 (wide and short) crashed in `drawCar`, whose shadow rectangle ran
    /// past the bottom edge. Every size from 16x16 up and every aspect ratio must render, with
    /// the release build's bounds checks on: a property test over random sizes and scenes.
    func testEverySizeAndAspectRatioRenders() {
        var rng = SeededGenerator(seed: 11)
        // The crashing size, its transpose and extreme aspect ratios, then random sizes
        // (small, to keep the debug-build test fast: the renderer's arithmetic is per pixel).
        var sizes = [(640, 360), (360, 640), (16, 16), (16, 400), (400, 16), (1024, 17), (17, 1024)]
        for _ in 0..<40 {
            let w = 16 + Int(rng.next() % 240), h = 16 + Int(rng.next() % 240)
            sizes.append((w, h))
        }
        for (w, h) in sizes {
            let ds = SynthStreets(split: .train, count: 4, width: w, height: h, seed: rng.next())
            for i in 0..<(w * h > 100_000 ? 4 : 2) {
                let (image, labels) = ds.sample(i)
                XCTAssertEqual(image.width, w)
                XCTAssertEqual(image.height, h)
                XCTAssertEqual(labels.values.count, w * h)
                XCTAssertFalse(labels.values.contains(LabelMap.ignore), "every pixel labelled at \(w)x\(h)")
            }
        }
    }

    func testAnyResolutionWorks() {
        for (w, h) in [(64, 48), (131, 97), (480, 360)] {
            let (image, labels) = SynthStreets(split: .val, count: 1, width: w, height: h).sample(0)
            XCTAssertEqual(image.width, w)
            XCTAssertEqual(labels.height, h)
        }
    }
}

final class AugmentationTests: XCTestCase {
    func testLabelsAreResizedByNearestNeighbourOnly() {
        let (image, labels) = SynthStreets(split: .train, count: 1, width: 80, height: 60).sample(0)
        let allowed = Set(labels.values).union([LabelMap.ignore])
        var rng = SeededGenerator(seed: 3)
        let aug = Augmentation(cropHeight: 64, cropWidth: 64)
        for _ in 0..<10 {
            let (img, lab) = aug.apply(image, labels, rng: &rng)
            XCTAssertEqual(img.width, 64)
            XCTAssertEqual(lab.height, 64)
            XCTAssertTrue(Set(lab.values).isSubset(of: allowed), "a resized label map must not invent values")
        }
    }

    func testCropPadsLabelsWithIgnore() {
        let image = RGBImage(width: 4, height: 4, fill: (10, 20, 30)), labels = LabelMap(width: 4, height: 4, fill: 1)
        let (img, lab) = Augmentation.crop(image, labels, x: 2, y: 0, width: 4, height: 4)
        XCTAssertEqual(lab.values[0], 1)
        XCTAssertEqual(lab.values[2], LabelMap.ignore)
        XCTAssertEqual(Array(img.pixels[6..<9]), [124, 116, 104])
    }

    func testFlipTwiceIsIdentity() {
        let (image, labels) = SynthStreets(split: .train, count: 1, width: 33, height: 17).sample(0)
        let (a, b) = Augmentation.flip(image, labels)
        XCTAssertNotEqual(a, image)
        let (c, d) = Augmentation.flip(a, b)
        XCTAssertEqual(c, image)
        XCTAssertEqual(d, labels)
    }

    func testNormalizationUsesImageNetStatistics() {
        let t = Normalization.batch([RGBImage(width: 1, height: 1, fill: (124, 116, 104))])
        XCTAssertEqual(t.shape, [1, 3, 1, 1])
        XCTAssertEqual(t.toArray()[0], (124 - 123.675) / 58.395, accuracy: 1e-6)
    }
}

final class BatchLoaderTests: XCTestCase {
    /// Batch k depends only on (seed, k): a loader started at k (a resumed run) yields the
    /// same batches as one that got there from 0.
    func testBatchesAreAPureFunctionOfSeedAndIteration() throws {
        let ds = SynthStreets(split: .train, count: 5, width: 48, height: 32)
        let aug = Augmentation(cropHeight: 24, cropWidth: 24)
        let fromStart = BatchLoader(dataset: ds, batchSize: 2, augmentation: aug, seed: 9, prefetch: 3, workers: 2)
        var batches: [Batch] = []
        for _ in 0..<6 { batches.append(try fromStart.next()) }
        fromStart.stop()
        let resumed = BatchLoader(dataset: ds, batchSize: 2, augmentation: aug, seed: 9, startingAt: 4)
        let b4 = try resumed.next(), b5 = try resumed.next()
        resumed.stop()
        XCTAssertEqual(b4.indices, batches[4].indices)
        XCTAssertEqual(b4.images.toArray(), batches[4].images.toArray())
        XCTAssertEqual(b5.labels.values, batches[5].labels.values)
        // Every image once per epoch (5 images, batches of 2: positions 0..4 are one permutation).
        let epoch = (batches[0].indices + batches[1].indices + [batches[2].indices[0]]).sorted()
        XCTAssertEqual(epoch, [0, 1, 2, 3, 4])
    }

    func testADatasetErrorReachesTheConsumer() {
        struct Broken: SegmentationDataset {
            var name: String { "broken" }
            var classNames: [String] { ["a"] }
            var palette: [RGBColor] { [RGBColor(0, 0, 0)] }
            var count: Int { 3 }
            func sample(_ index: Int) throws -> (image: RGBImage, labels: LabelMap) {
                throw DatasetError(file: "/data/img\(index).png", problem: "truncated")
            }
        }
        let loader = BatchLoader(dataset: Broken(), batchSize: 1, augmentation: Augmentation(cropHeight: 8, cropWidth: 8), seed: 1)
        XCTAssertThrowsError(try loader.next()) { XCTAssertTrue("\($0)".contains("truncated")) }
        loader.stop()
    }
}
