import HardEngine

/// The network a command runs, from `--model` / `--classes` / `--checkpoint`.
///
/// With a checkpoint the variant and the class count are the checkpoint's; a `--model` or
/// `--classes` that says otherwise is refused (it used to be ignored without a word), one
/// that agrees is accepted.
public enum ModelChoice {
    /// `--classes`: one of `Zoo.classRange`.
    public static func checkClasses(_ classes: Int, _ flag: String = "--classes") throws {
        try OptionValues.count(classes, flag, minimum: Zoo.classRange.lowerBound, maximum: Zoo.classRange.upperBound)
    }

    /// The variant a `--model` value names.
    public static func variant(_ name: String, _ flag: String = "--model") throws -> Variant {
        try resolve(name, flag).variant
    }

    /// The variant and architecture (nil: the variant's own) a `--model` value names.
    public static func resolve(_ name: String, _ flag: String = "--model") throws -> (variant: Variant, architecture: LiteConfig?) {
        guard let r = Zoo.resolve(name) else {
            throw OptionError("\(flag): unknown model '\(name)'; one of \(Zoo.modelNames.joined(separator: ", "))")
        }
        return r
    }

    /// Throws when `model` or `classes` (as given on the command line, nil when not) differ
    /// from what the checkpoint holds.
    public static func check(model: String?, classes: Int?, against info: CheckpointInfo, checkpoint: String) throws {
        if let model {
            let (v, a) = try resolve(model)
            if v != info.variant || (a != nil && a != info.architecture) {
                throw OptionError("--model \(model) conflicts with the checkpoint's \(info.variant.rawValue)\(info.architecture == nil ? "" : " (resized)") (\(checkpoint)); drop --model")
            }
        }
        if let classes, classes != info.classes {
            throw OptionError("--classes \(classes) conflicts with the checkpoint's \(info.classes) classes (\(checkpoint)); drop --classes")
        }
    }

    /// The checkpoint's network (after `check`), or else a freshly initialised
    /// `model ?? defaultModel` with `classes ?? defaultClasses` classes.
    public static func make(model: String?, classes: Int?, checkpoint: String?, defaultModel: String? = nil,
                            defaultClasses: Int, seed: UInt64 = 0) throws -> HARDNetwork {
        if let checkpoint {
            try check(model: model, classes: classes, against: try Checkpoint.info(at: checkpoint), checkpoint: checkpoint)
            return try Checkpoint.load(checkpoint)
        }
        guard let name = model ?? defaultModel else { throw OptionError("give --model or --checkpoint") }
        let (v, a) = try resolve(name)
        let c = classes ?? defaultClasses
        try checkClasses(c)
        return Zoo.make(v, classes: c, seed: seed, architecture: a)
    }
}
