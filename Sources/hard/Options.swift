#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ArgumentParser
import Foundation
import HardData
import HardEngine
import HardModels
import HardTrain

/// Reports an error of user input the way every command does: one line, exit status 1.
/// A Foundation file error is said in words (never `Error Domain=NSCocoaErrorDomain Code=640`).
func fail(_ error: Error) -> ExitCode {
    FileHandle.standardError.write(Data("error: \(describe(error))\n".utf8))
    return ExitCode(1)
}

func describe(_ error: Error) -> String {
    guard FileError.isFoundationFileError(error) else { return "\(error)" }
    let words = FileError.words(for: error)
    return FileError.path(of: error).map { "\($0): \(words)" } ?? words
}

/// Runs a command's value checks; a bad value is one line naming the flag and exit status 1,
/// like every other input error (not ArgumentParser's usage text and status 64).
func checked(_ body: () throws -> Void) throws {
    do { try body() } catch { throw fail(error) }
}

/// `HxW` of an optional flag (see `OptionValues.size`).
func parseSize(_ text: String?, _ flag: String) throws -> (height: Int, width: Int)? {
    try text.map { try OptionValues.size($0, flag) }
}

/// The raw bytes of `argv[1...]`, before Swift turns them into (repaired) strings.
func rawArguments() -> [[UInt8]] {
    stride(from: 1, to: Int(CommandLine.argc), by: 1).map { i in
        guard let p = CommandLine.unsafeArgv[i] else { return [] }
        return Array(UnsafeBufferPointer(start: UnsafeRawPointer(p).assumingMemoryBound(to: UInt8.self), count: strlen(p)))
    }
}

/// Options that name a dataset, shared by eval and segment.
struct DatasetOptions: ParsableArguments {
    @Option(help: "Dataset kind: synthstreets, cityscapes, camvid, cocostuff10k, folder.")
    var dataset = "synthstreets"

    @Option(help: "Dataset root folder (not needed for synthstreets).")
    var root: String?

    @Option(help: "Split to read (Cityscapes/CamVid: train, val, test; COCO-Stuff-10k: train, test; folder: all or a subfolder).")
    var split = "val"

    @Option(name: .customLong("synth-images"), parsing: .unconditional, help: "SynthStreets: number of images in the split (1...1000000).")
    var synthImages = 100

    @Option(name: .customLong("synth-size"), help: "SynthStreets: image size HxW (each side 16...16384).")
    var synthSize = "360x480"

    func validate() throws {
        try checked {
            try OptionValues.count(synthImages, "--synth-images", maximum: 1_000_000)
            _ = try OptionValues.size(synthSize, "--synth-size")
        }
    }

    func make() throws -> SegmentationDataset {
        var c = DatasetConfig()
        c.kind = dataset
        c.root = root
        let size = try OptionValues.size(synthSize, "--synth-size")
        c.synthHeight = size.height; c.synthWidth = size.width
        c.synthTrainImages = synthImages; c.synthValImages = synthImages
        return try DatasetFactory.make(c, split: split)
    }
}

/// The model a command runs: a variant with fresh (seeded) weights, or a checkpoint (then its
/// variant and class count; a --model or --classes that differs is refused). Shared by bench,
/// export and mcu.
struct ModelOptions: ParsableArguments {
    @Option(help: "Variant: hard-gpu, hard-s, hard-xs, hard-xxs, hard-edge (not needed with --checkpoint).") var model: String?
    @Option(help: "Model checkpoint (.safetensors with its .json); without it the weights are freshly initialised (seeded).") var checkpoint: String?
    @Option(parsing: .unconditional, help: "Class count without a checkpoint (\(Zoo.classRange.lowerBound)...\(Zoo.classRange.upperBound); with --checkpoint, the checkpoint's).") var classes: Int?

    func validate() throws {
        try checked {
            if let m = model { _ = try ModelChoice.variant(m) }
            if let c = classes { try ModelChoice.checkClasses(c) }
        }
    }

    /// For commands without a default variant.
    func requireModelOrCheckpoint() throws {
        try checked { if model == nil && checkpoint == nil { throw OptionError("give --model or --checkpoint") } }
    }

    func make(defaultModel: String? = nil, defaultClasses: Int) throws -> HARDNetwork {
        try ModelChoice.make(model: model, classes: classes, checkpoint: checkpoint, defaultModel: defaultModel,
                             defaultClasses: defaultClasses)
    }
}

/// Test-time augmentation and sliding windows, for `hard eval` and `hard segment`
/// (`TestTimeAugmentation`).
struct AugmentationOptions: ParsableArguments {
    @Option(help: "Test-time augmentation: flip and/or scale factors, comma-separated, e.g. flip,0.75,1.0,1.25 (softmax averaged).") var tta: String?
    @Option(help: "Sliding-window inference with windows of HxW, e.g. 1024x1024 (logits averaged where windows overlap).") var slide: String?
    @Option(help: "Step between windows, HxW (default: 2/3 of --slide).") var stride: String?

    func validate() throws {
        try checked { _ = try augmentation() }
    }

    func augmentation() throws -> TestTimeAugmentation {
        var a = TestTimeAugmentation()
        if let tta {
            do { (a.scales, a.flip) = try TestTimeAugmentation.parse(tta) } catch let e as ConfigError { throw OptionError(e.message) }
        }
        a.window = try parseSize(slide, "--slide")
        a.stride = try parseSize(stride, "--stride")
        if a.stride != nil && a.window == nil { throw OptionError("--stride needs --slide") }
        return a
    }
}

/// `--int8`: predict with the host int8 runtime (the firmware's code) instead of float,
/// quantized here from the checkpoint or read from a `hard mcu run` blob.
struct Int8Options: ParsableArguments {
    @Flag(help: "Predict with the int8 model on the host runtime the firmware runs (quantized from the checkpoint, per-channel weights).") var int8 = false
    @Option(name: .customLong("int8-blob"), help: "With --int8: an int8 blob (model.hrdq, from hard mcu run) instead of quantizing.") var int8Blob: String?
    @Option(name: .customLong("int8-size"), help: "With --int8: the int8 model's input size HxW (default: --input-size, else the first image's size).") var int8Size: String?
    @Option(name: .customLong("calibration-images"), parsing: .unconditional, help: "With --int8: images to calibrate the ranges on (default 32).") var calibrationImages = 32

    func validate() throws {
        try checked {
            _ = try parseSize(int8Size, "--int8-size")
            try OptionValues.count(calibrationImages, "--calibration-images", maximum: 100_000)
            if !int8 && (int8Blob != nil || int8Size != nil) { throw OptionError("--int8-blob and --int8-size go with --int8") }
            if int8Blob != nil && int8Size != nil { throw OptionError("--int8-size is the blob's own with --int8-blob; give one of them") }
        }
    }
}
