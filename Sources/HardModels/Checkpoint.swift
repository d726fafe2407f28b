import Foundation
import HardEngine
import HardNN

/// A checkpoint that cannot be read or does not fit the model, naming the file.
public struct CheckpointError: Error, CustomStringConvertible {
    public let file: String
    public let problem: String
    public var description: String { "\(file): \(problem)" }

    public init(file: String, problem: String) {
        self.file = file
        self.problem = problem
    }
}

/// What a checkpoint holds besides the tensors (written beside them as `<name>.json`).
public struct CheckpointInfo: Codable, Equatable, Sendable {
    public var format = "hard-checkpoint"
    public var version = 1
    public var variant: Variant
    public var classes: Int

    public init(variant: Variant, classes: Int) {
        self.variant = variant
        self.classes = classes
    }
}

/// Model checkpoints: parameters and buffers as safetensors (`model.safetensors`, keys as
/// `namedParameters`/`namedBuffers`), and a small JSON (`model.json`) with the variant and
/// class count. The same two facts are also in the safetensors `__metadata__`, so a lone
/// .safetensors file still loads. Both files are written atomically.
public enum Checkpoint {
    /// The JSON file that goes with a .safetensors path.
    public static func infoPath(for path: String) -> String {
        (path.hasSuffix(".safetensors") ? String(path.dropLast(".safetensors".count)) : path) + ".json"
    }

    public static func save(_ model: HARDNetwork, to path: String) throws {
        let info = CheckpointInfo(variant: model.variant, classes: model.classes)
        let blob = try SafeTensors.encode(model.stateDict(), metadata: [
            "format": info.format, "version": String(info.version), "variant": info.variant.rawValue, "classes": String(info.classes),
        ])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try writeAtomically(blob, to: path)
        try writeAtomically(try encoder.encode(info), to: infoPath(for: path))
    }

    /// Reads the variant and class count (from the JSON beside it, else the metadata).
    public static func info(at path: String) throws -> CheckpointInfo {
        let jsonPath = infoPath(for: path)
        if FileManager.default.fileExists(atPath: jsonPath) {
            let data: Data
            do { data = try FileContents.read(jsonPath) } catch let e as FileError {
                throw CheckpointError(file: jsonPath, problem: e.problem)
            }
            do {
                let info = try JSONDecoder().decode(CheckpointInfo.self, from: data)
                guard info.format == "hard-checkpoint", info.version == 1 else {
                    throw CheckpointError(file: jsonPath, problem: "not a version-1 hard checkpoint description")
                }
                guard Zoo.classRange.contains(info.classes) else {
                    throw CheckpointError(file: jsonPath, problem: "'classes' is \(info.classes), outside \(Zoo.classRange)")
                }
                return info
            } catch let e as CheckpointError {
                throw e
            } catch {
                throw CheckpointError(file: jsonPath, problem: "not a valid checkpoint description (\(error))")
            }
        }
        let (_, metadata) = try readTensors(path)
        guard let v = metadata["variant"].flatMap(Variant.init(rawValue:)), let c = metadata["classes"].flatMap(Int.init) else {
            throw CheckpointError(file: path, problem: "no \(jsonPath) and no variant/classes in the safetensors metadata")
        }
        guard Zoo.classRange.contains(c) else {
            throw CheckpointError(file: path, problem: "metadata 'classes' is \(c), outside \(Zoo.classRange)")
        }
        return CheckpointInfo(variant: v, classes: c)
    }

    static func readTensors(_ path: String) throws -> ([String: Tensor], [String: String]) {
        let data: Data
        do { data = try FileContents.read(path) } catch let e as FileError {
            throw CheckpointError(file: path, problem: e.problem)
        }
        let decoded: ([String: Tensor], [String: String])
        do {
            decoded = try SafeTensors.decode(data)
        } catch let e as SafeTensorsError {
            throw CheckpointError(file: path, problem: "not a valid safetensors file: \(e.problem)")
        }
        if let bad = SafeTensors.firstNonFinite(decoded.0) {
            throw CheckpointError(file: path, problem: "tensor \(bad) holds NaN or infinite values (a diverged or damaged run)")
        }
        return decoded
    }

    /// Builds the model the checkpoint describes and loads its weights.
    public static func load(_ path: String) throws -> HARDNetwork {
        let info = try info(at: path)
        let model = Zoo.make(info.variant, classes: info.classes)
        try load(path, into: model)
        return model
    }

    /// Loads the weights into an existing model; every key must match, shapes included.
    public static func load(_ path: String, into model: HARDNetwork) throws {
        let (tensors, _) = try readTensors(path)
        do {
            try model.load(tensors, strict: true)
        } catch let e as ModuleError {
            throw CheckpointError(file: path, problem: "does not fit \(model.variant.rawValue) with \(model.classes) classes: \(e)")
        }
    }
}
