import Foundation
import HardEngine
import HardModels
import HardNN

/// Everything `--resume` needs, in one safetensors file written atomically
/// (`checkpoint.safetensors`): the model's parameters and buffers (`model.<key>`), AdamW's
/// moments (`adam.m.<key>`, `adam.v.<key>`), and in the metadata the iteration, AdamW's
/// step, the best validation mIoU so far and the configuration. One file renamed into place
/// means a kill at any moment leaves either the previous complete state or the new one.
public struct TrainingState {
    public var iteration: Int
    public var bestMIoU: Double
    public var config: TrainConfig

    public static func save(model: HARDNetwork, optimizer: AdamW, state: TrainingState, to path: String) throws {
        var tensors: [(String, Tensor)] = model.stateDict().map { ("model." + $0.0, $0.1) }
        let keys = model.namedParameters().map(\.0)
        precondition(keys.count == optimizer.parameters.count, "optimizer does not hold the model's parameters")
        for (i, key) in keys.enumerated() {
            tensors.append(("adam.m." + key, optimizer.firstMoments[i]))
            tensors.append(("adam.v." + key, optimizer.secondMoments[i]))
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let metadata = [
            "format": "hard-training-state", "version": "1",
            "iteration": String(state.iteration), "adam_step": String(optimizer.step),
            "best_miou": String(state.bestMIoU), "variant": model.variant.rawValue, "classes": String(model.classes),
            "config": String(decoding: try encoder.encode(state.config), as: UTF8.self),
        ]
        try writeAtomically(try SafeTensors.encode(tensors, metadata: metadata), to: path)
    }

    /// Restores model and optimizer in place and returns the saved state.
    /// The configuration a training state at `path` was saved with (the run's conditions,
    /// for reports), without a model to load it into.
    public static func config(at path: String) throws -> TrainConfig {
        let data: Data
        do { data = try FileContents.read(path) } catch let e as FileError { throw CheckpointError(file: path, problem: e.problem) }
        let metadata: [String: String]
        do { metadata = try SafeTensors.decode(data).metadata } catch { throw CheckpointError(file: path, problem: "\(error)") }
        guard metadata["format"] == "hard-training-state", let text = metadata["config"],
              let config = try? JSONDecoder().decode(TrainConfig.self, from: Data(text.utf8)) else {
            throw CheckpointError(file: path, problem: "metadata is missing or damaged")
        }
        return config
    }

    public static func load(from path: String, model: HARDNetwork, optimizer: AdamW) throws -> TrainingState {
        guard FileManager.default.fileExists(atPath: path) else {
            throw CheckpointError(file: path, problem: "no training state to resume from")
        }
        let data: Data
        do { data = try FileContents.read(path) } catch let e as FileError {
            throw CheckpointError(file: path, problem: e.problem)
        }
        let tensors: [String: Tensor], metadata: [String: String]
        do {
            (tensors, metadata) = try SafeTensors.decode(data)
        } catch let e as SafeTensorsError {
            throw CheckpointError(file: path, problem: "not a valid training state: \(e.problem)")
        }
        guard metadata["format"] == "hard-training-state", let iteration = metadata["iteration"].flatMap(Int.init),
              let step = metadata["adam_step"].flatMap(Int.init), let best = metadata["best_miou"].flatMap(Double.init),
              let configText = metadata["config"],
              let config = try? JSONDecoder().decode(TrainConfig.self, from: Data(configText.utf8)) else {
            throw CheckpointError(file: path, problem: "metadata is missing or damaged")
        }
        // A damaged or hand-edited state must not start a run at iteration -5, beyond its own
        // end, with a negative Adam step (a bias correction dividing by 1 - beta^-n) or NaN best.
        guard iteration >= 0, iteration <= config.iterations else {
            throw CheckpointError(file: path, problem: "iteration \(iteration) is outside the run's 0...\(config.iterations)")
        }
        guard step >= 0, step <= iteration else {
            throw CheckpointError(file: path, problem: "AdamW step \(step) is impossible at iteration \(iteration)")
        }
        guard best.isFinite, best >= -1, best <= 1 else {
            throw CheckpointError(file: path, problem: "best_miou \(best) is not a mIoU (a fraction in 0...1, or -1 before the first validation)")
        }
        if let bad = SafeTensors.firstNonFinite(tensors) {
            throw CheckpointError(file: path, problem: "tensor \(bad) holds NaN or infinite values")
        }
        guard metadata["variant"] == model.variant.rawValue, metadata["classes"] == String(model.classes) else {
            throw CheckpointError(file: path, problem: "was written for \(metadata["variant"] ?? "?") with \(metadata["classes"] ?? "?") classes")
        }
        var modelState: [String: Tensor] = [:]
        for (k, t) in tensors where k.hasPrefix("model.") { modelState[String(k.dropFirst(6))] = t }
        do { try model.load(modelState) } catch {
            throw CheckpointError(file: path, problem: "does not fit the model: \(error)")
        }
        for (i, key) in model.namedParameters().map(\.0).enumerated() {
            guard let m = tensors["adam.m." + key], let v = tensors["adam.v." + key],
                  m.shape == optimizer.firstMoments[i].shape, v.shape == optimizer.secondMoments[i].shape else {
                throw CheckpointError(file: path, problem: "optimizer state for \(key) is missing or has the wrong shape")
            }
            optimizer.firstMoments[i].assign(m)
            optimizer.secondMoments[i].assign(v)
        }
        optimizer.restore(step: step)
        return TrainingState(iteration: iteration, bestMIoU: best, config: config)
    }
}
