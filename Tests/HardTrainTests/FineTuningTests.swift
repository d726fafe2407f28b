import Foundation
import XCTest
import HardData
import HardEngine
import HardModels
import HardNN
@testable import HardTrain

/// `--init-from` (fine-tuning, a pretrained encoder), `--task classification` (encoder
/// pretraining on an ImageNet-layout folder), and SynthStreets written as a folder dataset.
final class FineTuningTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("hard-finetune-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    func values(_ t: Tensor) -> [Float] { Array(UnsafeBufferPointer(start: t.pointer, count: t.count)) }

    func tensors(_ m: Module) -> [String: [Float]] {
        Dictionary(uniqueKeysWithValues: m.stateDict().map { ($0.0, values($0.1)) })
    }

    // MARK: --init-from

    func testInitFromAnotherClassCountLoadsAllButTheClassifiers() throws {
        let source = Zoo.make(.gpu, classes: 19, seed: 1)
        try Checkpoint.save(source, to: path("city.safetensors"))
        let target = Zoo.make(.gpu, classes: 5, seed: 2)
        let fresh = tensors(target)
        let report = try WeightTransfer.apply(from: path("city.safetensors"), into: target)
        let classifiers = ["head.classifier.weight", "head.classifier.bias", "auxAtrous.classifier.weight",
                           "auxAtrous.classifier.bias", "auxPooling.classifier.weight", "auxPooling.classifier.bias"]
        XCTAssertEqual(report.reinitialised.sorted(), classifiers.sorted())
        XCTAssertEqual(report.loaded.count, target.stateDict().count - classifiers.count)
        XCTAssertEqual(report.skipped, [])
        XCTAssertEqual(report.fresh, [])
        let after = tensors(target), from = tensors(source)
        for key in report.loaded { XCTAssertEqual(after[key], from[key], key) }
        for key in classifiers { XCTAssertEqual(after[key], fresh[key], key) }
        XCTAssertTrue(report.lines[0].hasPrefix("loaded \(report.loaded.count) tensors, re-initialised 6, skipped 0"))
    }

    func testInitFromAnotherVariantIsRefusedNamingTheTensor() throws {
        try Checkpoint.save(Zoo.make(.s, classes: 11), to: path("s.safetensors"))
        XCTAssertThrowsError(try WeightTransfer.apply(from: path("s.safetensors"), into: Zoo.make(.xxs, classes: 11))) { e in
            let text = "\(e)"
            XCTAssertTrue(text.contains("s.safetensors") && text.contains("encoder.1.expand.conv.weight") && text.contains("hard-s ") && text.contains("same architecture"), text)
        }
    }

    func testInitFromATrainingStateTakesItsModel() throws {
        let source = Zoo.make(.edge, classes: 11, seed: 4)
        let optimizer = AdamW(parameters: source.parameters(), learningRate: 1e-3, weightDecay: 1e-4)
        try TrainingState.save(model: source, optimizer: optimizer, state: TrainingState(iteration: 3, bestMIoU: 0.1, config: TrainConfig()),
                               to: path("checkpoint.safetensors"))
        let target = Zoo.make(.edge, classes: 11, seed: 5)
        let report = try WeightTransfer.apply(from: path("checkpoint.safetensors"), into: target)
        XCTAssertEqual(report.loaded.count, target.stateDict().count)
        XCTAssertEqual(report.skipped, [], "adam.* moments are the optimizer's, not tensors to load")
        XCTAssertEqual(tensors(target), tensors(source))
    }

    // MARK: classification pretraining

    /// root/{train,val}/<class>/*.png: class k is a flat colour with noise, so a few steps learn it.
    func makeImageClassFolder() throws -> String {
        let root = path("imagenet")
        let colours: [(UInt8, UInt8, UInt8)] = [(220, 40, 40), (40, 200, 60), (50, 60, 230)]
        var g = SeededGenerator(seed: 9)
        for (split, count) in [("train", 6), ("val", 3)] {
            for (k, name) in ["n001_red", "n002_green", "n003_blue"].enumerated() {
                let dir = "\(root)/\(split)/\(name)"
                try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
                for i in 0..<count {
                    let (w, h) = (24 + 4 * i, 20 + 2 * i)
                    var pixels = [UInt8](repeating: 0, count: w * h * 3)
                    for p in 0..<(w * h) {
                        let c = colours[k], n = Int(g.next() % 41) - 20
                        pixels[3 * p] = UInt8(clamping: Int(c.0) + n); pixels[3 * p + 1] = UInt8(clamping: Int(c.1) + n)
                        pixels[3 * p + 2] = UInt8(clamping: Int(c.2) + n)
                    }
                    try ImageFile.writePNG(RGBImage(width: w, height: h, pixels: pixels), to: "\(dir)/img\(i).png")
                }
            }
        }
        return root
    }

    func classificationConfig(root: String, output: String) -> TrainConfig {
        var c = TrainConfig()
        c.model = "hard-edge"
        c.task = "classification"
        c.dataset.kind = "imagenet"
        c.dataset.root = root
        c.iterations = 30
        c.batchSize = 6
        c.cropHeight = 32; c.cropWidth = 32
        c.scaleMin = 1; c.scaleMax = 1.25
        c.lrPeak = 1e-2
        c.valInterval = 30; c.checkpointInterval = 30; c.logInterval = 10
        c.output = output
        return c
    }

    func testClassificationPretrainingLearnsAndItsEncoderStartsASegmentationRun() throws {
        let root = try makeImageClassFolder()
        let c = classificationConfig(root: root, output: path("pretrain"))
        let train = try DatasetFactory.make(c.dataset, split: "train", classificationSide: 32)
        let val = try DatasetFactory.make(c.dataset, split: "val", classificationSide: 32)
        XCTAssertEqual(train.classNames, ["n001_red", "n002_green", "n003_blue"])
        XCTAssertEqual(train.count, 18)
        let trainer = try Trainer(config: c, trainSet: train, valSet: val, resume: false)
        XCTAssertTrue(trainer.model is HARDClassifier)
        let final = try trainer.run()
        // Three flat colours: chance is 1/3; the encoder must tell them apart after 30 steps.
        XCTAssertGreaterThanOrEqual(final.bestMIoU, 2.0 / 3.0, "top-1 on the 9 val images")
        let log = try RunLog.read(trainer.logPath).filter { $0.kind == "val" }
        XCTAssertEqual(log.last?.valTop1, final.bestMIoU)
        XCTAssertNil(log.last?.valMIoU)

        // The checkpoint says what it is; segmentation commands refuse it with a way forward.
        let best = trainer.bestPath
        XCTAssertEqual(try Checkpoint.info(at: best).task, .classification)
        XCTAssertThrowsError(try Checkpoint.load(best)) { XCTAssertTrue("\($0)".contains("--init-from"), "\($0)") }
        let restored = try Checkpoint.loadAnyTask(best)
        XCTAssertEqual(tensors(restored), tensors(trainer.model))

        // Its encoder starts a segmentation model: stem and encoder loaded, decoder and head fresh.
        let seg = Zoo.make(.edge, classes: 11, seed: 7)
        let report = try WeightTransfer.apply(from: best, into: seg)
        XCTAssertEqual(report.skipped, ["classifier.bias", "classifier.weight"])
        XCTAssertEqual(report.reinitialised, [])
        XCTAssertTrue(report.loaded.allSatisfy { $0.hasPrefix("stem.") || $0.hasPrefix("encoder.") })
        XCTAssertEqual(report.loaded.count, seg.stateDict().filter { $0.0.hasPrefix("stem.") || $0.0.hasPrefix("encoder.") }.count)
        XCTAssertTrue(report.fresh.contains("head.classifier.weight") && report.fresh.contains { $0.hasPrefix("decoder.") })
        let enc = tensors(trainer.model), after = tensors(seg)
        for key in report.loaded { XCTAssertEqual(after[key], enc[key], key) }
    }

    func testAGPUClassifierKeepsTheSegmentationModelsEncoderKeys() {
        let seg = Set(Zoo.make(.gpu, classes: 19).stateDict().map(\.0))
        let cls = HARDClassifier(variant: .gpu, classes: 1000).stateDict().map(\.0)
        XCTAssertEqual(Set(cls.filter { !$0.hasPrefix("classifier.") }), seg.filter { $0.hasPrefix("stem.") || $0.hasPrefix("stages.") })
        let logits = withNoGrad { () -> [Int] in
            let m = HARDClassifier(variant: .gpu, classes: 1000)
            m.eval()
            return m(Tensor.zeros([2, 3, 64, 64])).shape
        }
        XCTAssertEqual(logits, [2, 1000, 1, 1])
    }

    func testTaskAndDatasetKindMustAgree() throws {
        var c = TrainConfig()
        c.task = "classification"
        XCTAssertThrowsError(try c.validate()) { XCTAssertTrue("\($0)".contains("'task'") && "\($0)".contains("imagenet"), "\($0)") }
        c.task = "detection"
        XCTAssertThrowsError(try c.validate()) { XCTAssertTrue("\($0)".contains("unknown 'detection'"), "\($0)") }
        c = TrainConfig()
        c.dataset.kind = "imagenet"; c.dataset.root = "/x"
        XCTAssertThrowsError(try c.validate()) { XCTAssertTrue("\($0)".contains("task: classification"), "\($0)") }
        let parsed = try TrainConfig.parse(Data("init_from: runs/a/best.safetensors\ntask: segmentation\n".utf8), path: "c.yaml")
        XCTAssertEqual(parsed.initFrom, "runs/a/best.safetensors")
    }

    func testAClassFolderWithoutImagesIsNamed() throws {
        try FileManager.default.createDirectory(atPath: path("in/train/empty_class"), withIntermediateDirectories: true)
        XCTAssertThrowsError(try ClassificationFolderDataset(root: path("in"), split: "train", shorterSide: 32)) { e in
            XCTAssertTrue("\(e)".contains("empty_class") && "\(e)".contains("without"), "\(e)")
        }
    }

    // MARK: SynthStreets as a folder

    func testRenderedSynthStreetsReadsBackAsTheSameFolderDataset() throws {
        let settings = SynthStreetsFolder.Settings(trainImages: 3, valImages: 2, width: 40, height: 32, seed: 5)
        try SynthStreetsFolder.write(settings, to: path("synth"))
        XCTAssertEqual(SynthStreetsFolder.settings(in: path("synth")), settings)
        for (split, count) in [(SynthStreets.Split.train, 3), (.val, 2)] {
            let folderSet = try FolderDataset(root: path("synth"), split: split.rawValue)
            let rendered = SynthStreets(split: split, count: count, width: 40, height: 32, seed: 5)
            XCTAssertEqual(folderSet.count, count)
            XCTAssertEqual(folderSet.classNames, SynthStreets.classNames)
            for i in 0..<count {
                let (a, b) = (try folderSet.sample(i), rendered.sample(i))
                XCTAssertEqual(a.image.pixels, b.image.pixels)
                XCTAssertEqual(a.labels.values, b.labels.values)
            }
        }
    }
}
