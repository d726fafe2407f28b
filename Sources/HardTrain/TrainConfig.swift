import Foundation
import HardData
import HardEngine
import HardModels
import Yams

/// A configuration file or value that is not usable, naming the file or key.
public struct ConfigError: Error, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Everything a training run needs; read from YAML or JSON (snake_case keys, every key
/// optional), then overridden by command-line flags. Defaults are the paper's recipe (§4.1):
/// AdamW with weight decay 1e-4, LR 1e-5 → 1e-2 linearly over the warm-up (6,550 of 30,000
/// iterations, i.e. 21.8 %), then cosine to 1e-5, extra semantic loss weight 0.3.
public struct TrainConfig: Codable, Sendable, Equatable {
    public var model = "hard-xxs"
    public var dataset = DatasetConfig()
    public var iterations = 30_000
    public var batchSize = 8
    public var cropHeight = 360
    public var cropWidth = 360
    public var scaleMin = 0.5
    public var scaleMax = 2.0
    public var flip = 0.5
    public var photometric = 0.2
    public var lrStart = 1e-5
    public var lrPeak = 1e-2
    public var lrEnd = 1e-5
    /// nil: 6550/30000 of the iterations, the paper's proportion.
    public var warmup: Int? = nil
    public var weightDecay = 1e-4
    public var auxWeight = 0.3
    public var valInterval = 1000
    /// nil: the whole validation set.
    public var valImages: Int? = nil
    public var checkpointInterval = 500
    public var logInterval = 10
    public var seed: UInt64 = 0
    public var output = "runs/train"
    public var loaderWorkers = 1
    /// "segmentation", or "classification" for encoder pretraining on an `imagenet` folder.
    public var task = "segmentation"
    /// A checkpoint to start from (fine-tuning; an encoder pretrained by a classification
    /// run): the tensors that fit are loaded (`WeightTransfer`). Ignored on --resume.
    public var initFrom: String? = nil
    /// "ce" (the paper's cross-entropy) or "ohem": only the hard pixels (`OHEM`), for the main
    /// and the auxiliary heads alike.
    public var loss = "ce"
    public var ohemThreshold = 0.7
    /// Per batch, as DDRNet and PIDNet count it.
    public var ohemMinKept = 131_072
    /// Per-class weights of the cross-entropy: one per class, or `auto` (from the training
    /// labels' frequencies, `ClassWeights.fromFrequencies`); nil: all 1.
    public var classWeights: ClassWeights? = nil
    /// Also write a TensorBoard events file into `output` (`TensorBoardLog`).
    public var tensorboard = true
    /// Widths and depths that resize a single-branch model (`LiteConfig`; `hard mcu fit`
    /// writes one); nil: the variant as the zoo builds it.
    public var architecture: LiteConfig? = nil

    public init() {}

    enum CodingKeys: String, CodingKey {
        case model, dataset, iterations, flip, photometric, warmup, seed, output, task, tensorboard, architecture
        case initFrom = "init_from", loss
        case ohemThreshold = "ohem_threshold", ohemMinKept = "ohem_min_kept", classWeights = "class_weights"
        case batchSize = "batch_size", cropHeight = "crop_height", cropWidth = "crop_width"
        case scaleMin = "scale_min", scaleMax = "scale_max"
        case lrStart = "lr_start", lrPeak = "lr_peak", lrEnd = "lr_end", weightDecay = "weight_decay"
        case auxWeight = "aux_weight", valInterval = "val_interval", valImages = "val_images"
        case checkpointInterval = "checkpoint_interval", logInterval = "log_interval", loaderWorkers = "loader_workers"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = TrainConfig()
        model = try c.decodeIfPresent(String.self, forKey: .model) ?? d.model
        dataset = try c.decodeIfPresent(DatasetConfig.self, forKey: .dataset) ?? d.dataset
        iterations = try c.decodeIfPresent(Int.self, forKey: .iterations) ?? d.iterations
        batchSize = try c.decodeIfPresent(Int.self, forKey: .batchSize) ?? d.batchSize
        cropHeight = try c.decodeIfPresent(Int.self, forKey: .cropHeight) ?? d.cropHeight
        cropWidth = try c.decodeIfPresent(Int.self, forKey: .cropWidth) ?? d.cropWidth
        scaleMin = try c.decodeIfPresent(Double.self, forKey: .scaleMin) ?? d.scaleMin
        scaleMax = try c.decodeIfPresent(Double.self, forKey: .scaleMax) ?? d.scaleMax
        flip = try c.decodeIfPresent(Double.self, forKey: .flip) ?? d.flip
        photometric = try c.decodeIfPresent(Double.self, forKey: .photometric) ?? d.photometric
        lrStart = try c.decodeIfPresent(Double.self, forKey: .lrStart) ?? d.lrStart
        lrPeak = try c.decodeIfPresent(Double.self, forKey: .lrPeak) ?? d.lrPeak
        lrEnd = try c.decodeIfPresent(Double.self, forKey: .lrEnd) ?? d.lrEnd
        warmup = try c.decodeIfPresent(Int.self, forKey: .warmup)
        weightDecay = try c.decodeIfPresent(Double.self, forKey: .weightDecay) ?? d.weightDecay
        auxWeight = try c.decodeIfPresent(Double.self, forKey: .auxWeight) ?? d.auxWeight
        valInterval = try c.decodeIfPresent(Int.self, forKey: .valInterval) ?? d.valInterval
        valImages = try c.decodeIfPresent(Int.self, forKey: .valImages)
        checkpointInterval = try c.decodeIfPresent(Int.self, forKey: .checkpointInterval) ?? d.checkpointInterval
        logInterval = try c.decodeIfPresent(Int.self, forKey: .logInterval) ?? d.logInterval
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed) ?? d.seed
        output = try c.decodeIfPresent(String.self, forKey: .output) ?? d.output
        loaderWorkers = try c.decodeIfPresent(Int.self, forKey: .loaderWorkers) ?? d.loaderWorkers
        task = try c.decodeIfPresent(String.self, forKey: .task) ?? d.task
        initFrom = try c.decodeIfPresent(String.self, forKey: .initFrom)
        loss = try c.decodeIfPresent(String.self, forKey: .loss) ?? d.loss
        ohemThreshold = try c.decodeIfPresent(Double.self, forKey: .ohemThreshold) ?? d.ohemThreshold
        ohemMinKept = try c.decodeIfPresent(Int.self, forKey: .ohemMinKept) ?? d.ohemMinKept
        classWeights = try c.decodeIfPresent(ClassWeights.self, forKey: .classWeights)
        tensorboard = try c.decodeIfPresent(Bool.self, forKey: .tensorboard) ?? d.tensorboard
        architecture = try c.decodeIfPresent(LiteConfig.self, forKey: .architecture)
    }

    /// The OHEM selection when `loss` is ohem.
    public var ohem: OHEM? { loss == "ohem" ? OHEM(threshold: Float(ohemThreshold), minKept: ohemMinKept) : nil }

    /// The warm-up length actually used.
    public var warmupIterations: Int { warmup ?? Int((Double(iterations) * 6550 / 30000).rounded()) }

    public var variant: Variant? { Zoo.resolve(model)?.variant }

    /// The architecture the run builds: `architecture`, else that of a named resize
    /// (`model: hard-edge-rt`), else nil (the variant's own).
    public var resolvedArchitecture: LiteConfig? { architecture ?? Zoo.resolve(model)?.architecture }

    /// The task `task` names (validated: never nil after `validate`).
    public var modelTask: ModelTask? { ModelTask(rawValue: task) }

    /// Reads a .yaml/.yml or .json file; unknown keys are errors (a typo must not be ignored).
    public static func load(_ path: String) throws -> TrainConfig {
        let data: Data
        do { data = try FileContents.read(path) } catch let e as FileError { throw ConfigError(e.description) }
        return try parse(data, path: path)
    }

    /// Parses the bytes of a configuration file as `load` does: JSON when `path` ends in
    /// `.json`, else YAML. `path` names the file in errors; nothing is read from it.
    public static func parse(_ data: Data, path: String) throws -> TrainConfig {
        guard let text = String(data: data, encoding: .utf8) else { throw ConfigError("\(path): not UTF-8 text") }
        do {
            // Depth and alias limits first: the parsers below recurse and expand aliases.
            try ConfigTextLimits.check(text)
            // YAML and JSON parsers keep the last of two equal keys; a config that says
            // `iterations` twice is a mistake to report, not a choice to make silently.
            // JSON is YAML's flow syntax, so one composer checks both.
            // (libyaml refuses a few JSON spellings, e.g. tab indentation; JSONDecoder still
            // parses those below, without the duplicate check.)
            let node = path.hasSuffix(".json") ? ((try? Yams.compose(yaml: text)) ?? nil) : try Yams.compose(yaml: text)
            if let node { try checkDuplicateKeys(node, at: "") }
            let config: TrainConfig
            if path.hasSuffix(".json") {
                config = try JSONDecoder().decode(TrainConfig.self, from: data)
                try checkKeys(try JSONSerialization.jsonObject(with: data), path: path)
            } else {
                // What Yams' converters trap on instead of throwing (found by `make fuzz`).
                if let node { try YamsTraps.check(node) }
                config = try YAMLDecoder().decode(TrainConfig.self, from: text)
                try checkKeys(try Yams.load(yaml: text) ?? [String: Any](), path: path)
            }
            try config.validate()
            return config
        } catch let e as ConfigError {
            throw ConfigError("\(path): \(e.message)")
        } catch let e as DecodingError {
            throw ConfigError("\(path): \(describe(e))")
        } catch {
            throw ConfigError("\(path): not valid \(path.hasSuffix(".json") ? "JSON" : "YAML") (\(error))")
        }
    }

    static func checkKeys(_ object: Any, path: String) throws {
        guard let dict = object as? [String: Any] else { throw ConfigError("the top level must be a mapping") }
        let known = Set(["model", "dataset", "iterations", "flip", "photometric", "warmup", "seed", "output", "batch_size",
                         "crop_height", "crop_width", "scale_min", "scale_max", "lr_start", "lr_peak", "lr_end",
                         "weight_decay", "aux_weight", "val_interval", "val_images", "checkpoint_interval",
                         "log_interval", "loader_workers", "task", "init_from", "loss", "ohem_threshold",
                         "ohem_min_kept", "class_weights", "tensorboard", "architecture"])
        if let bad = dict.keys.sorted().first(where: { !known.contains($0) }) { throw ConfigError("unknown key '\(bad)'") }
        if let ds = dict["dataset"] as? [String: Any],
           let bad = ds.keys.sorted().first(where: { !DatasetConfig.knownKeys.contains($0) }) {
            throw ConfigError("unknown key 'dataset.\(bad)'")
        }
        if let a = dict["architecture"] as? [String: Any] {
            if let bad = a.keys.sorted().first(where: { !["stem", "stages", "sa_expansion", "sa_dilations"].contains($0) }) {
                throw ConfigError("unknown key 'architecture.\(bad)'")
            }
            for case let stage as [String: Any] in a["stages"] as? [Any] ?? [] {
                if let bad = stage.keys.sorted().first(where: { !["channels", "blocks", "stride", "expansion"].contains($0) }) {
                    throw ConfigError("unknown key 'architecture.stages.\(bad)'")
                }
            }
        }
    }

    /// Throws on the first mapping that holds a key twice, naming it with its line.
    static func checkDuplicateKeys(_ node: Node, at path: String) throws {
        switch node {
        case .mapping(let mapping):
            var seen = Set<String>()
            for (key, value) in mapping {
                let name = key.string ?? "\(key)"
                let full = path.isEmpty ? name : "\(path).\(name)"
                if !seen.insert(name).inserted {
                    throw ConfigError("key '\(full)' appears twice (again on line \(key.mark?.line ?? 0)); keep one")
                }
                try checkDuplicateKeys(value, at: full)
            }
        case .sequence(let sequence):
            for (i, item) in sequence.enumerated() { try checkDuplicateKeys(item, at: "\(path)[\(i)]") }
        default:
            break
        }
    }

    static func describe(_ e: DecodingError) -> String {
        switch e {
        case .typeMismatch(_, let c), .valueNotFound(_, let c), .dataCorrupted(let c):
            let key = c.codingPath.map(\.stringValue).joined(separator: ".")
            return "\(key.isEmpty ? "" : "'\(key)': ")\(c.debugDescription)"
        case .keyNotFound(let k, _):
            return "missing key '\(k.stringValue)'"
        @unknown default:
            return "\(e)"
        }
    }

    /// Checks ranges; the message names the key.
    public func validate() throws {
        guard variant != nil else {
            throw ConfigError("'model': unknown model '\(model)'; one of \(Zoo.modelNames.joined(separator: ", "))")
        }
        func need(_ ok: Bool, _ key: String, _ what: String) throws { if !ok { throw ConfigError("'\(key)': \(what)") } }
        try need(iterations > 0, "iterations", "must be positive")
        try need(batchSize > 0, "batch_size", "must be positive")
        try need(cropHeight >= 16 && cropWidth >= 16, "crop_height/crop_width", "must be at least 16")
        try need(scaleMin > 0 && scaleMin <= scaleMax, "scale_min/scale_max", "need 0 < scale_min <= scale_max")
        try need((0...1).contains(flip), "flip", "is a probability in [0, 1]")
        try need(photometric >= 0 && photometric < 1, "photometric", "must be in [0, 1)")
        try need(lrStart > 0 && lrPeak > 0 && lrEnd > 0, "lr_*", "learning rates must be positive")
        try need(warmupIterations >= 0 && warmupIterations <= iterations, "warmup", "must be between 0 and iterations")
        try need(weightDecay >= 0 && auxWeight >= 0, "weight_decay/aux_weight", "must not be negative")
        try need(valInterval > 0 && checkpointInterval > 0 && logInterval > 0, "*_interval", "intervals must be positive")
        if let valImages { try need(valImages >= 1, "val_images", "must be at least 1 (leave it out for the whole validation set), got \(valImages)") }
        try need(cropHeight <= 16384 && cropWidth <= 16384, "crop_height/crop_width", "must be at most 16384")
        try need(loaderWorkers >= 1 && loaderWorkers <= 16, "loader_workers", "must be 1...16")
        guard let modelTask else {
            throw ConfigError("'task': unknown '\(task)'; one of \(ModelTask.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if let initFrom { try need(!initFrom.isEmpty, "init_from", "must name a checkpoint") }
        try need(["ce", "ohem"].contains(loss), "loss", "one of ce, ohem (got '\(loss)')")
        try need(ohemThreshold > 0 && ohemThreshold <= 1, "ohem_threshold", "is a probability in (0, 1]")
        try need(ohemMinKept >= 0, "ohem_min_kept", "must not be negative")
        if case .values(let w)? = classWeights {
            try need(!w.isEmpty && w.allSatisfy { $0.isFinite && $0 >= 0 } && w.contains { $0 > 0 }, "class_weights",
                     "one finite, non-negative weight per class (not all 0), or auto")
        }
        if let architecture = resolvedArchitecture {
            try need(variant != .gpu, "architecture", "resizes a single-branch model (hard-s, -xs, -xxs, -edge), not \(model)")
            try need(modelTask == .segmentation, "architecture", "is for segmentation runs")
            if let p = architecture.problem { throw ConfigError("'architecture': \(p)") }
        }
        try dataset.validate()
        if modelTask == .classification && dataset.kind != "imagenet" {
            throw ConfigError("'task': classification trains on an image-class folder; set 'dataset.kind' to imagenet (root/<split>/<class>/*.jpg)")
        }
        if modelTask == .segmentation && dataset.kind == "imagenet" {
            throw ConfigError("'dataset.kind': imagenet has a class per image, not per pixel; set 'task: classification' to pretrain an encoder on it")
        }
    }
}

/// Which dataset to train and validate on.
public struct DatasetConfig: Codable, Sendable, Equatable {
    /// synthstreets, cityscapes, camvid, cocostuff10k, folder; imagenet (task classification)
    public var kind = "synthstreets"
    public var root: String? = nil
    public var trainSplit = "train"
    public var valSplit = "val"
    public var synthTrainImages = 2000
    public var synthValImages = 100
    public var synthWidth = 480
    public var synthHeight = 360
    public var synthSeed: UInt64 = 0

    static let kinds = ["synthstreets", "cityscapes", "camvid", "cocostuff10k", "folder", "imagenet"]
    static let knownKeys: Set<String> = ["kind", "root", "train_split", "val_split", "synth_train_images", "synth_val_images",
                                         "synth_width", "synth_height", "synth_seed"]

    public init() {}

    enum CodingKeys: String, CodingKey {
        case kind, root
        case trainSplit = "train_split", valSplit = "val_split"
        case synthTrainImages = "synth_train_images", synthValImages = "synth_val_images"
        case synthWidth = "synth_width", synthHeight = "synth_height", synthSeed = "synth_seed"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = DatasetConfig()
        kind = try c.decodeIfPresent(String.self, forKey: .kind) ?? d.kind
        root = try c.decodeIfPresent(String.self, forKey: .root)
        trainSplit = try c.decodeIfPresent(String.self, forKey: .trainSplit) ?? d.trainSplit
        valSplit = try c.decodeIfPresent(String.self, forKey: .valSplit) ?? d.valSplit
        synthTrainImages = try c.decodeIfPresent(Int.self, forKey: .synthTrainImages) ?? d.synthTrainImages
        synthValImages = try c.decodeIfPresent(Int.self, forKey: .synthValImages) ?? d.synthValImages
        synthWidth = try c.decodeIfPresent(Int.self, forKey: .synthWidth) ?? d.synthWidth
        synthHeight = try c.decodeIfPresent(Int.self, forKey: .synthHeight) ?? d.synthHeight
        synthSeed = try c.decodeIfPresent(UInt64.self, forKey: .synthSeed) ?? d.synthSeed
    }

    public func validate() throws {
        guard Self.kinds.contains(kind) else {
            throw ConfigError("'dataset.kind': unknown '\(kind)'; one of \(Self.kinds.joined(separator: ", "))")
        }
        if kind != "synthstreets" && (root ?? "").isEmpty { throw ConfigError("'dataset.root': needed for \(kind)") }
        if kind == "synthstreets" {
            guard synthTrainImages > 0 && synthValImages > 0 else { throw ConfigError("'dataset.synth_*_images': must be positive") }
            guard (16...16384).contains(synthWidth) && (16...16384).contains(synthHeight) else {
                throw ConfigError("'dataset.synth_width/height': must be 16...16384, got \(synthWidth)x\(synthHeight)")
            }
        }
    }
}

/// The cross-entropy's class weights as a config gives them.
public enum ClassWeights: Codable, Sendable, Equatable {
    /// From the training labels' pixel frequencies (`fromFrequencies`).
    case auto
    /// One per class, in class order.
    case values([Double])

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let text = try? c.decode(String.self) {
            guard text == "auto" else {
                throw DecodingError.dataCorruptedError(in: c, debugDescription: "class weights are a list of numbers or 'auto', got '\(text)'")
            }
            self = .auto
        } else {
            self = .values(try c.decode([Double].self))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .auto: try c.encode("auto")
        case .values(let w): try c.encode(w)
        }
    }

    /// ENet's weighting (Paszke et al. 2016, used for CamVid and Cityscapes since):
    /// w_c = 1 / ln(1.02 + p_c) for the pixel frequency p_c of class c (at most 1 / ln 1.02
    /// = 50.5), then scaled to mean 1 over the classes that occur so the
    /// learning rate keeps its meaning. Rare thin classes (poles, pedestrians) get several
    /// times the weight of road and sky.
    public static func fromFrequencies(_ counts: [Int]) -> [Float] {
        let total = Double(counts.reduce(0, +))
        guard total > 0 else { return [Float](repeating: 1, count: counts.count) }
        let raw = counts.map { 1 / log(1.02 + Double($0) / total) }
        let present = zip(raw, counts).filter { $0.1 > 0 }.map(\.0)
        let mean = present.reduce(0, +) / Double(max(present.count, 1))
        return raw.map { Float($0 / mean) }
    }
}
