import Foundation
import XCTest
import HardEngine
import HardNN
@testable import HardModels

/// hard against its PyTorch twin (Tools/torch, docs/torch.md), on weights, input and labels
/// that both sides compute from one formula (`TorchParity`). The fixtures under
/// Fixtures/torch/from-torch were written by `Tools/torch/make_fixtures.py`; with
/// HARD_WRITE_TORCH_FIXTURES=1, `testWriteFixturesForPyTorch` writes Fixtures/torch/from-hard
/// for `make test-torch`.
final class TorchParityTests: XCTestCase {
    /// hard's model with the parity weights, in eval mode.
    func parityModel(_ v: Variant, classes: Int = TorchParity.classes) -> HARDNetwork {
        let model = Zoo.make(v, classes: classes)
        TorchParity.fill(model)
        model.eval()
        return model
    }

    func evalLogits(_ model: HARDNetwork) -> Tensor {
        withNoGrad { model(TorchParity.input(height: TorchParity.height, width: TorchParity.width)) }
    }

    /// The `[[key, shape], ...]` list a fixture carries, as JSON.
    static func stateDictJSON(_ model: Module) throws -> String {
        let list: [[Any]] = model.stateDict().map { [$0.0, $0.1.shape] }
        return String(decoding: try JSONSerialization.data(withJSONObject: list), as: UTF8.self)
    }

    func testPyTorchTwinHasHardsKeysAndShapesInOrder() throws {
        for v in Variant.allCases {
            let (_, meta) = try TorchParity.readFixture(try TorchParity.bundledFixture("from-torch/eval-\(v.rawValue)"))
            let json = try XCTUnwrap(meta["state_dict"], "\(v.rawValue): no state_dict in the fixture metadata")
            let list = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[Any]])
            let torchKeys = list.compactMap { $0.first as? String }
            let torchShapes = list.compactMap { $0.last as? [Int] }
            let mine = Zoo.make(v, classes: TorchParity.classes).stateDict()
            XCTAssertEqual(torchKeys, mine.map(\.0), v.rawValue)
            XCTAssertEqual(torchShapes, mine.map(\.1.shape), v.rawValue)
        }
    }

    func testEvalLogitsMatchPyTorchForEveryVariant() throws {
        for v in Variant.allCases {
            let (tensors, meta) = try TorchParity.readFixture(try TorchParity.bundledFixture("from-torch/eval-\(v.rawValue)"))
            XCTAssertEqual(meta["variant"], v.rawValue)
            XCTAssertEqual(meta["height"], String(TorchParity.height))
            XCTAssertEqual(meta["width"], String(TorchParity.width))
            XCTAssertEqual(meta["classes"], String(TorchParity.classes))
            let expected = try XCTUnwrap(tensors["logits"])
            let logits = evalLogits(parityModel(v))
            XCTAssertEqual(logits.shape, expected.shape, v.rawValue)
            let diff = TorchParity.maxAbsDiff(logits, expected)
            print("torch parity \(v.rawValue) eval \(TorchParity.height)x\(TorchParity.width): max |hard - torch| = \(diff)")
            XCTAssertLessThanOrEqual(diff, 1e-4, v.rawValue)
        }
    }

    func testCheckpointPyTorchSavedLoadsInHard() throws {
        let url = try TorchParity.bundledFixture("from-torch/checkpoint-hard-edge")
        let model = try Checkpoint.load(url.path)
        XCTAssertEqual(model.variant, .edge)
        XCTAssertEqual(model.classes, TorchParity.classes)
        for (key, t) in model.stateDict() {
            XCTAssertEqual(t.toArray().map(\.bitPattern), TorchParity.values(key, shape: t.shape).map(\.bitPattern), key)
        }
        model.eval()
        let (tensors, _) = try TorchParity.readFixture(try TorchParity.bundledFixture("from-torch/eval-hard-edge"))
        XCTAssertLessThanOrEqual(TorchParity.maxAbsDiff(evalLogits(model), try XCTUnwrap(tensors["logits"])), 1e-4)
    }

    func testParityFormulaIsWhatPyTorchComputes() throws {
        // Pins the formula on both sides (Tools/torch/tests check the same numbers).
        XCTAssertEqual(TorchParity.keyHash("a"), 0xE40C_292C)   // FNV-1a's published value
        let u = TorchParity.uniform("input", count: 3)
        let (tensors, _) = try TorchParity.readFixture(try TorchParity.bundledFixture("from-torch/eval-hard-edge"))
        let probe = try XCTUnwrap(tensors["input_probe"], "the fixture keeps the first input values")
        XCTAssertEqual(probe.toArray().prefix(3).map(\.bitPattern), u.map { 2 * $0 }.map(\.bitPattern))
    }

    // MARK: one training step

    /// What the training-step fixtures keep of each tensor: its first values.
    static let trainSlice = 16
    static let trainBatch = 2, trainLearningRate: Float = 1e-2, trainWeightDecay: Float = 1e-4

    /// One step of hard's recipe on the parity model: train-mode forward (auxiliary heads for
    /// HARD-GPU), CE(main) + 0.3 * sum CE(aux) (ignore 255), backward, AdamW (lr 1e-2, wd 1e-4).
    /// Returns the fixture's tensors: loss [total, main, aux], grad.<key> and gradnorm.<key>
    /// of every parameter, after.<key> of every parameter and buffer.
    static func trainStep(_ v: Variant) -> [(String, Tensor)] {
        let model = Zoo.make(v, classes: TorchParity.classes)
        TorchParity.fill(model)
        model.train()
        let (h, w) = (TorchParity.height, TorchParity.width)
        let x = TorchParity.input(batch: trainBatch, height: h, width: w)
        let labels = TorchParity.labels(batch: trainBatch, height: h, width: w, classes: TorchParity.classes)
        let outputs = model.outputs(x)
        let main = crossEntropy(outputs[0], labels)
        var total = main
        var auxValue: Float = 0
        if outputs.count > 1 {
            var aux = crossEntropy(outputs[1], labels)
            for o in outputs.dropFirst(2) { aux = add(aux, crossEntropy(o, labels)) }
            auxValue = aux.scalar
            total = add(main, scaled(aux, by: 0.3))
        }
        total.backward()
        var out: [(String, Tensor)] = [("loss", Tensor(shape: [3], data: [total.scalar, main.scalar, auxValue]))]
        for (key, p) in model.namedParameters() {
            let g = p.grad?.toArray() ?? [Float](repeating: 0, count: p.count)
            let n = min(trainSlice, g.count)
            out.append(("grad.\(key)", Tensor(shape: [n], data: Array(g.prefix(n)))))
            let norm = g.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
            out.append(("gradnorm.\(key)", Tensor(shape: [1], data: [Float(norm)])))
        }
        let optimizer = AdamW(parameters: model.parameters(), learningRate: trainLearningRate, weightDecay: trainWeightDecay)
        optimizer.update()
        for (key, t) in model.stateDict() {
            let n = min(trainSlice, t.count)
            out.append(("after.\(key)", Tensor(shape: [n], data: Array(t.toArray().prefix(n)))))
        }
        return out
    }

    static let trainVariants: [Variant] = Variant.allCases

    /// The tolerance of one entry: 1e-4 relative, or 8x PyTorch float32's own error against
    /// float64 where that is larger. Deep variants in training mode amplify rounding (HARD-GPU's
    /// gradients: PyTorch float32 is up to ~6% from float64 on them), and gradients that are
    /// mathematically zero are pure rounding. The factor: the noise is one sample of a rounding
    /// error, and hard - PyTorch holds both sides' errors.
    static func tolerance(_ noise: Float) -> Double { max(1e-4, 8 * Double(noise)) }

    func testTrainingStepMatchesPyTorch() throws {
        for v in Self.trainVariants {
            let (expected, _) = try TorchParity.readFixture(try TorchParity.bundledFixture("from-torch/train-\(v.rawValue)"))
            let names = expected.keys.filter { $0 != "noise" }.sorted()
            let noise = try XCTUnwrap(expected["noise"]).toArray()
            XCTAssertEqual(noise.count, names.count)
            let mine = Dictionary(uniqueKeysWithValues: Self.trainStep(v))
            XCTAssertEqual(Set(mine.keys), Set(names), v.rawValue)
            let shapes = Dictionary(uniqueKeysWithValues: Zoo.make(v, classes: TorchParity.classes).stateDict().map { ($0.0, $0.1.shape) })
            var strict = 0, worstRatio = 0.0, worstName = "", worstLoss = 0.0
            // A gradient's noise: the larger of PyTorch's own errors on its slice and on its norm.
            var noiseOf = Dictionary(uniqueKeysWithValues: zip(names, noise))
            for name in names where name.hasPrefix("grad.") {
                let key = String(name.dropFirst("grad.".count))
                let n = max(noiseOf[name]!, noiseOf["gradnorm." + key] ?? 0)
                noiseOf[name] = n; noiseOf["gradnorm." + key] = n
            }
            var flips = 0, updates = 0
            for name in names {
                let t = try XCTUnwrap(mine[name], name), e = try XCTUnwrap(expected[name], name)
                let key = String(name.dropFirst("after.".count))
                if name.hasPrefix("after."), let gRef = expected["grad." + key], let gMine = mine["grad." + key] {
                    // A parameter after AdamW's first step: before - lr wd p - lr g / (|g| + eps),
                    // i.e. about lr sign(g). Where both gradients have one sign the updates must
                    // agree to 1e-4; a sign may differ only on an element whose gradient is
                    // within the gradient's tolerance of zero.
                    let before = Array(TorchParity.values(key, shape: try XCTUnwrap(shapes[key], key)).prefix(t.count))
                    let gTol = Self.tolerance(noiseOf["grad." + key]!) * Double(TorchParity.norm(gRef))
                    for j in 0..<t.count {
                        let dm = Double(t.pointer[j] - before[j]), de = Double(e.pointer[j] - before[j])
                        let gm = gMine.pointer[j], ge = gRef.pointer[j]
                        updates += 1
                        if (gm > 0) == (ge > 0) {
                            // 1e-4 of the update, float32 rounding of the weight (a few ulps), and
                            // what the two gradients' own difference moves the update:
                            // d/dg [g / (|g| + eps)] = eps / (|g| + eps)^2.
                            let eps = 1e-8, g = Double(min(abs(gm), abs(ge)))
                            let allowed = 1e-4 * abs(de) + 1e-6 * abs(Double(e.pointer[j]))
                                + Double(Self.trainLearningRate) * eps * Double(abs(gm - ge)) / ((g + eps) * (g + eps))
                            XCTAssertLessThanOrEqual(abs(dm - de), allowed, "\(v.rawValue) update of \(key)[\(j)]")
                        } else {
                            flips += 1
                            XCTAssertLessThanOrEqual(Double(abs(ge)), gTol, "\(v.rawValue) \(key)[\(j)]: update sign differs on a clear gradient")
                        }
                    }
                    continue
                }
                let err = TorchParity.relativeError(t, e), tol = Self.tolerance(noiseOf[name]!)
                if name == "loss" { worstLoss = err }
                if tol == 1e-4 { strict += 1 }
                if err / tol > worstRatio { (worstRatio, worstName) = (err / tol, name) }
                XCTAssertLessThanOrEqual(err, tol, "\(v.rawValue) \(name)")
            }
            print("torch parity \(v.rawValue) train step: \(updates) updated values, \(flips) with a near-zero gradient of the other sign")
            print("torch parity \(v.rawValue) train step: loss relative error \(worstLoss); \(strict) checks at 1e-4, the rest at 8x PyTorch's own float32 error; worst error/tolerance \(worstRatio) (\(worstName))")
        }
    }

    // MARK: fixtures for the PyTorch side

    /// Writes Fixtures/torch/from-hard (run with HARD_WRITE_TORCH_FIXTURES=1, then commit them).
    func testWriteFixturesForPyTorch() throws {
        guard ProcessInfo.processInfo.environment["HARD_WRITE_TORCH_FIXTURES"] == "1" else {
            throw XCTSkip("set HARD_WRITE_TORCH_FIXTURES=1 to rewrite Fixtures/torch/from-hard")
        }
        let folder = TorchParity.sourceFixtures.appendingPathComponent("from-hard")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let generator = "hard (Swift), Tests/HardModelsTests/TorchParityTests.swift"
        for v in Variant.allCases {
            let model = parityModel(v)
            let blob = try SafeTensors.encode([("logits", evalLogits(model))], metadata: [
                "generator": generator, "variant": v.rawValue, "classes": String(TorchParity.classes),
                "height": String(TorchParity.height), "width": String(TorchParity.width),
                "state_dict": try Self.stateDictJSON(model),
            ])
            try blob.write(to: folder.appendingPathComponent("eval-\(v.rawValue).safetensors"))
        }
        for v in Self.trainVariants {
            let blob = try SafeTensors.encode(Self.trainStep(v), metadata: [
                "generator": generator, "variant": v.rawValue, "classes": String(TorchParity.classes),
                "height": String(TorchParity.height), "width": String(TorchParity.width), "batch": String(Self.trainBatch),
                "lr": String(Self.trainLearningRate), "weight_decay": String(Self.trainWeightDecay), "aux_weight": "0.3",
            ])
            try blob.write(to: folder.appendingPathComponent("train-\(v.rawValue).safetensors"))
        }
        try Checkpoint.save(parityModel(.edge), to: folder.appendingPathComponent("checkpoint-hard-edge.safetensors").path)
        // A resized architecture (hard-edge-rt): the checkpoint records it, the twin builds it.
        let rt = Zoo.make(.edge, classes: TorchParity.classes, architecture: Zoo.edgeRT)
        TorchParity.fill(rt)
        rt.eval()
        try Checkpoint.save(rt, to: folder.appendingPathComponent("checkpoint-hard-edge-rt.safetensors").path)
        try SafeTensors.encode([("logits", evalLogits(rt))], metadata: [
            "generator": generator, "variant": "hard-edge", "model": "hard-edge-rt", "classes": String(TorchParity.classes),
            "height": String(TorchParity.height), "width": String(TorchParity.width),
        ]).write(to: folder.appendingPathComponent("eval-hard-edge-rt.safetensors"))
    }
}
