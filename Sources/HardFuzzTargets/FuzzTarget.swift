// Fuzz targets for the readers of untrusted input (issue #11, "Safe under bad input").
//
// Each target feeds arbitrary bytes to one reader. A thrown error is the right answer to bad
// bytes; a trap, a crash, a hang, a sanitizer report or a broken invariant is a bug in the
// reader. The same functions run under libFuzzer (`hard-fuzz`, `make fuzz`) and in the test
// suite, which replays every committed seed and crash input (Tests/HardFuzzTests).

/// The readers under fuzzing, by the name `HARD_FUZZ_TARGET` and the corpus folders use.
public enum FuzzTarget: String, CaseIterable, Sendable {
    case png
    case jpeg
    case safetensors
    case config
    case blob
    case mat
    case video

    /// The reader a target exercises, in words (for reports).
    public var reader: String {
        switch self {
        case .png: "PNG decoder (ImageFile.decodeRGB / decodeLabels via libpng)"
        case .jpeg: "JPEG decoder (ImageFile.decodeRGB via TurboJPEG)"
        case .safetensors: "SafeTensors.decode"
        case .config: "TrainConfig.parse (YAML and JSON)"
        case .blob: "MicroModel(blob:) validator, then the int8 interpreter"
        case .mat: "MatFile.readLabelMatrix (COCO-Stuff's .mat annotations, zlib inside)"
        case .video: "VideoReader (FFmpeg's demuxers and decoders behind CVideoShim), up to 4 frames"
        }
    }

    /// Feeds `bytes` to the target's reader. Returns normally for any input the reader
    /// refuses or accepts; only a bug stops the process.
    public func run(_ bytes: UnsafeRawBufferPointer) {
        switch self {
        case .png: fuzzPNG(bytes)
        case .jpeg: fuzzJPEG(bytes)
        case .safetensors: fuzzSafeTensors(bytes)
        case .config: fuzzConfig(bytes)
        case .blob: fuzzBlob(bytes)
        case .mat: fuzzMat(bytes)
        case .video: fuzzVideo(bytes)
        }
    }

    /// `run` over an array (tests, replay).
    public func run(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { run($0) }
    }
}

/// A broken invariant of a reader that returned normally: a bug, reported as a crash so the
/// fuzzer keeps the input.
@inline(never)
func invariant(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
               file: StaticString = #fileID, line: UInt = #line) {
    if !condition() { fatalError("fuzz invariant broken: \(message())", file: file, line: line) }
}
