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
    /// nil (the key absent): segmentation, as every checkpoint before pretraining existed.
    public var task: ModelTask?
    /// The widths and depths of a resized single-branch variant (`hard mcu fit`); nil (the key
    /// absent): the variant as the zoo builds it.
    public var architecture: LiteConfig?

    public init(variant: Variant, classes: Int, task: ModelTask = .segmentation, architecture: LiteConfig? = nil) {
        self.variant = variant
        self.classes = classes
        self.task = task == .segmentation ? nil : task
        self.architecture = architecture
    }

    /// Why the description cannot be built, nil when it can.
    var problem: String? {
        let range = Zoo.classRange(for: modelTask)
        if !range.contains(classes) { return "'classes' is \(classes), outside \(range)" }
        guard let a = architecture else { return nil }
        if variant == .gpu { return "'architecture' resizes a single-branch variant; \(variant.rawValue) takes none" }
        if modelTask != .segmentation { return "'architecture' is for segmentation models" }
        return a.problem.map { "'architecture': \($0)" }
    }

    public var modelTask: ModelTask { task ?? .segmentation }
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
        let info = CheckpointInfo(variant: model.variant, classes: model.classes, task: model.task,
                                  architecture: Zoo.recordedArchitecture(model))
        var metadata = ["format": info.format, "version": String(info.version), "variant": info.variant.rawValue,
                        "classes": String(info.classes)]
        if let task = info.task { metadata["task"] = task.rawValue }
        if let a = info.architecture {
            let compact = JSONEncoder()
            compact.outputFormatting = [.sortedKeys]
            metadata["architecture"] = String(decoding: try compact.encode(a), as: UTF8.self)
        }
        let blob = try SafeTensors.encode(model.stateDict(), metadata: metadata)
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
                if let p = info.problem { throw CheckpointError(file: jsonPath, problem: p) }
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
        guard let task = ModelTask(rawValue: metadata["task"] ?? "segmentation") else {
            throw CheckpointError(file: path, problem: "metadata 'task' is '\(metadata["task"]!)', not one of \(ModelTask.allCases.map(\.rawValue))")
        }
        guard Zoo.classRange(for: task).contains(c) else {
            throw CheckpointError(file: path, problem: "metadata 'classes' is \(c), outside \(Zoo.classRange(for: task))")
        }
        var architecture: LiteConfig?
        if let text = metadata["architecture"] {
            do { architecture = try JSONDecoder().decode(LiteConfig.self, from: Data(text.utf8)) } catch {
                throw CheckpointError(file: path, problem: "metadata 'architecture' is not a valid architecture (\(error))")
            }
        }
        let info = CheckpointInfo(variant: v, classes: c, task: task, architecture: architecture)
        if let p = info.problem { throw CheckpointError(file: path, problem: "metadata \(p)") }
        return info
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

    /// Builds the segmentation model the checkpoint describes and loads its weights. A
    /// classification (pretraining) checkpoint is refused: it has no decoder to segment with.
    public static func load(_ path: String) throws -> HARDNetwork {
        let info = try info(at: path)
        guard info.modelTask == .segmentation else {
            throw CheckpointError(file: path, problem: "is an encoder pretrained for classification (`hard train --task classification`), "
                                  + "not a segmentation model; start a segmentation run from it with `hard train --init-from`")
        }
        let model = Zoo.make(info.variant, classes: info.classes, architecture: info.architecture)
        try load(path, into: model)
        return model
    }

    /// Builds the model of either task the checkpoint describes and loads its weights.
    public static func loadAnyTask(_ path: String) throws -> HARDNetwork {
        let info = try info(at: path)
        let model = info.architecture != nil ? Zoo.make(info.variant, classes: info.classes, architecture: info.architecture)
            : Zoo.make(info.variant, classes: info.classes, task: info.modelTask)
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
