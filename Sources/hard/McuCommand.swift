import ArgumentParser
import Foundation
import HardDeploy
import HardMicro
import HardEngine
import HardModels
import HardNN
import HardTrain

struct McuCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mcu",
        abstract: "int8 quantization and the Cortex-M7 firmware (Embedded Swift, run under qemu).",
        subcommands: [McuBuildCommand.self, McuRunCommand.self])
}

/// Options shared by `mcu build` and `mcu run`.
struct McuOptions: ParsableArguments {
    @Option(help: "Variant (default hard-edge, the one made for microcontrollers); with --checkpoint, the checkpoint's.") var model: String?
    @Option(help: "Trained checkpoint (.safetensors with its .json). Without it the weights are untrained (seeded).") var checkpoint: String?
    @Option(parsing: .unconditional, help: "Class count without a checkpoint (\(Zoo.classRange.lowerBound)...\(Zoo.classRange.upperBound), default 11).") var classes: Int?
    @Option(parsing: .unconditional, help: "Input height (16...16384).") var height = 64
    @Option(parsing: .unconditional, help: "Input width (16...16384).") var width = 64
    @Option(help: "Training config whose dataset calibrates (train split) and evaluates (val split); default: SynthStreets at the input size.") var config: String?
    @Option(parsing: .unconditional, help: "Calibration images (1...100000).") var calibrationImages = 32
    @Option(help: "Activation ranges: minmax, or a percentile such as 99.99.") var calibration = "minmax"
    @Option(parsing: .unconditional, help: "Validation images for the float vs int8 mIoU (1...100000).") var evalImages = 50
    @Option(help: "Output directory (blob, input image, firmware build, report).") var output: String?
    @Option(help: "The firmware sources (the repository's Firmware/).") var firmware = "Firmware"
    @Option(parsing: .unconditional, help: "Cycles per instruction assumed for the 216 MHz latency estimate (qemu counts instructions, not cycles).") var cpi = 1.0
    @Flag(help: "Print the report as JSON.") var json = false

    func validate() throws {
        try checked {
            if let m = model { _ = try ModelChoice.variant(m) }
            if let c = classes { try ModelChoice.checkClasses(c) }
            try OptionValues.side(height, "--height")
            try OptionValues.side(width, "--width")
            try OptionValues.count(calibrationImages, "--calibration-images", maximum: 100_000)
            try OptionValues.count(evalImages, "--eval-images", maximum: 100_000)
            if calibration != "minmax", Double(calibration).map({ $0 > 50 && $0 <= 100 }) != true {
                throw OptionError("--calibration is minmax or a percentile in (50, 100], got \(calibration)")
            }
            try OptionValues.positive(cpi, "--cpi", maximum: 1000)
            if let output, output.isEmpty { throw OptionError("--output must name a folder") }
        }
    }

    var outputDirectory: String { output ?? "runs/mcu-\(checkpoint == nil ? model ?? "hard-edge" : "checkpoint")-\(height)x\(width)" }
}

/// The report of `hard mcu build|run` (JSON keys in snake_case).
struct McuReport: Encodable {
    var model: String
    var height: Int
    var width: Int
    var classes: Int
    var checkpoint: String?
    var trained: Bool
    var calibration: String
    var calibrationImages: Int
    var evaluationImages: Int
    var floatMiou: Double
    var int8Miou: Double
    var int8AgreementWithFloat: Double
    var int8AgreementWithFakeQuant: Double
    var maxLogitStepsFromFakeQuant: Double
    var blobBytes: Int
    var blob: String
    var elf: String
    var flashBytes: Int
    /// The test image compiled into the firmware for the bit-exactness check (part of
    /// flash_bytes; a deployment reads its frames from a camera buffer instead).
    var testInputBytes: Int
    // Filled by `run`:
    var sramBytes: Int?
    var arenaBytes: Int?
    var scratchBytes: Int?
    var otherHeapBytes: Int?
    var staticBytes: Int?
    var stackBytes: Int?
    var instructions: Int?
    var cpiAssumed: Double?
    var estimatedMs_216mhz: Double?   // JSON: estimated_ms_216mhz
    var bitExact: Bool?
    var classmapFnv1a: String
    var firmwareClassmapFnv1a: String?
    /// Instructions per op (a second, op-by-op run on the firmware).
    var profile: [McuOpProfile]?
}

struct McuOpProfile: Encodable {
    var op: Int
    var kind: String
    var output: String
    var instructions: Int
}

enum McuPipeline {
    static func build(_ o: McuOptions, log: (String) -> Void) throws -> (McuReport, String) {
        let dir = o.outputDirectory
        let blobPath = dir + "/model.hrdq", inputPath = dir + "/input.rgb", reportPath = dir + "/report.json"
        // Nothing the build writes may be one of its inputs, nor land in the firmware sources.
        var inputs = [OutputGuard.Input(o.firmware, "the --firmware source folder")]
        if let c = o.checkpoint {
            inputs += [OutputGuard.Input(c, "the --checkpoint"), OutputGuard.Input(Checkpoint.infoPath(for: c), "the --checkpoint's JSON")]
        }
        if let c = o.config { inputs.append(OutputGuard.Input(c, "the --config file")) }
        try OutputGuard.check(outputs: [dir, blobPath, inputPath, reportPath, dir + "/firmware"], against: inputs)
        let net = try ModelChoice.make(model: o.model, classes: o.classes, checkpoint: o.checkpoint, defaultModel: "hard-edge",
                                       defaultClasses: 11)
        if o.checkpoint == nil { log("warning: no --checkpoint: quantizing untrained (seeded) weights") }
        var options = MicroQuantizationOptions(height: o.height, width: o.width,
                                               dataset: try o.config.map { try TrainConfig.load($0).dataset })
        options.calibrationImages = o.calibrationImages
        options.evaluationImages = o.evalImages
        options.method = o.calibration == "minmax" ? .minMax : .percentile(Double(o.calibration)!)
        let q = try MicroQuantization.run(net, options: options, log: log)
        log(String(format: "int8 vs float on %d images: mIoU %.2f vs %.2f, pixel agreement %.4f", q.evaluatedImages,
                   q.int8MIoU, q.floatMIoU, q.agreementWithFloat))

        try Folder.create(dir)
        try AtomicFile.write(q.blob, to: blobPath)
        try AtomicFile.write(q.testImage.pixels, to: inputPath)
        log("wrote \(blobPath) (\(q.blob.count) bytes) and \(inputPath) (\(q.testImage.width)x\(q.testImage.height) RGB)")
        let elf = try MicroFirmware.build(firmwareDirectory: o.firmware, buildDirectory: dir + "/firmware",
                                          blob: blobPath, input: inputPath)
        let (text, data) = try MicroFirmware.sizes(elf)
        let expected = q.expectedClassMap.withUnsafeBytes { fnv1a32($0) }
        let report = McuReport(
            model: net.variant.rawValue, height: o.height, width: o.width, classes: net.classes, checkpoint: o.checkpoint,
            trained: o.checkpoint != nil, calibration: options.method.description, calibrationImages: o.calibrationImages,
            evaluationImages: q.evaluatedImages, floatMiou: q.floatMIoU, int8Miou: q.int8MIoU,
            int8AgreementWithFloat: q.agreementWithFloat, int8AgreementWithFakeQuant: q.agreementWithFakeQuant,
            maxLogitStepsFromFakeQuant: q.maxLogitStepsFromFakeQuant, blobBytes: q.blob.count, blob: blobPath, elf: elf,
            flashBytes: text + data, testInputBytes: q.testImage.pixels.count, classmapFnv1a: String(format: "%08x", expected))
        return (report, elf)
    }

    static func emit(_ r: McuReport, json: Bool, to dir: String) throws {
        let enc = JSONEncoder()
        enc.keyEncodingStrategy = .convertToSnakeCase
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = try enc.encode(r)
        try AtomicFile.write(data, to: dir + "/report.json")
        if json {
            print(String(decoding: data, as: UTF8.self))
            return
        }
        print("\(r.model) \(r.height)x\(r.width), \(r.classes) classes\(r.trained ? "" : " (untrained)")")
        print(String(format: "  mIoU float %.2f, int8 %.2f (%d images); blob %d bytes; flash %d bytes (of which test image %d)",
                     r.floatMiou, r.int8Miou, r.evaluationImages, r.blobBytes, r.flashBytes, r.testInputBytes))
        if let sram = r.sramBytes, let n = r.instructions, let ms = r.estimatedMs_216mhz {
            print("  SRAM \(sram) bytes (arena \(r.arenaBytes ?? 0), scratch \(r.scratchBytes ?? 0), other heap \(r.otherHeapBytes ?? 0), static \(r.staticBytes ?? 0), stack \(r.stackBytes ?? 0))")
            print(String(format: "  %d instructions per inference, ~%.1f ms at 216 MHz (CPI %.2f assumed)", n, ms, r.cpiAssumed ?? 1))
            print("  bit-exact with the host int8 executor: \(r.bitExact == true ? "yes" : "NO")")
        }
        print("  report: \(dir)/report.json")
    }
}

struct McuBuildCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Quantize a model to int8, write its blob and build the Cortex-M7 firmware around it.")

    @OptionGroup var options: McuOptions

    func run() throws {
        do {
            let log: (String) -> Void = { line in if !options.json { print(line) } }
            let (report, _) = try McuPipeline.build(options, log: log)
            try McuPipeline.emit(report, json: options.json, to: options.outputDirectory)
        } catch {
            throw fail(error)
        }
    }
}

struct McuRunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Build the firmware, run it on qemu's Cortex-M7 and check it against the host int8 executor.",
        discussion: """
        Quantizes (calibration on the dataset's train split, float vs int8 mIoU on its val split), \
        writes the blob and the first validation image, builds Firmware/ with Embedded Swift, runs \
        it under qemu-system-arm -M mps2-an500 -icount shift=0, and reports flash and SRAM use, \
        the instruction count of one inference, the latency estimated at 216 MHz with the CPI \
        assumed, and whether the firmware's class map is bit-exact with the host's. Exits 1 if \
        it is not.

        Example:
          hard mcu run --checkpoint runs/edge/best.safetensors --height 64 --width 64 --json
        """)

    @OptionGroup var options: McuOptions

    func run() throws {
        do {
            let log: (String) -> Void = { line in if !options.json { print(line) } }
            var (report, elf) = try McuPipeline.build(options, log: log)
            let run = try MicroFirmware.run(elf: elf)
            func need(_ k: String) throws -> Int {
                guard let v = run.int(k) else { throw FirmwareError(step: "run", detail: "the firmware did not report \(k)") }
                return v
            }
            let heap = try need("heap_bytes"), statics = try need("static_bytes"), stack = try need("stack_bytes")
            let arena = try need("arena_bytes"), scratch = try need("scratch_bytes"), n = try need("instructions")
            report.arenaBytes = arena
            report.scratchBytes = scratch
            report.otherHeapBytes = heap - arena - scratch
            report.staticBytes = statics
            report.stackBytes = stack
            report.sramBytes = heap + statics + stack
            report.instructions = n
            report.cpiAssumed = options.cpi
            report.estimatedMs_216mhz = Double(n) * options.cpi / 216e6 * 1000
            report.firmwareClassmapFnv1a = run.values["classmap_fnv1a"]
            report.bitExact = run.values["classmap_fnv1a"] == report.classmapFnv1a
            report.flashBytes = run.flashBytes
            report.profile = run.profile.map {
                McuOpProfile(op: $0.op, kind: OpCode(rawValue: UInt32($0.code)).map { "\($0)" } ?? "?", output: $0.output,
                             instructions: $0.instructions)
            }
            try McuPipeline.emit(report, json: options.json, to: options.outputDirectory)
            if report.bitExact != true { throw ExitCode(1) }
        } catch let e as ExitCode {
            throw e
        } catch {
            throw fail(error)
        }
    }
}
