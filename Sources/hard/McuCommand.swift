import ArgumentParser
import Foundation
import HardDeploy
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
    /// Default hard-edge (the variant made for microcontrollers) with 11 classes.
    @OptionGroup var modelOptions: ModelOptions
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

    var outputDirectory: String {
        output ?? "runs/mcu-\(modelOptions.checkpoint == nil ? modelOptions.model ?? "hard-edge" : "checkpoint")-\(height)x\(width)"
    }

    /// What the library pipeline takes (validated above).
    var settings: McuPipeline.Settings {
        McuPipeline.Settings(model: modelOptions.model, checkpoint: modelOptions.checkpoint, classes: modelOptions.classes, height: height, width: width, config: config,
                             calibrationImages: calibrationImages,
                             method: calibration == "minmax" ? .minMax : .percentile(Double(calibration)!),
                             evaluationImages: evalImages, outputDirectory: outputDirectory, firmware: firmware, cpi: cpi)
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
            let (report, _) = try McuPipeline.build(options.settings, log: log)
            print(try McuPipeline.write(report, to: options.outputDirectory, json: options.json))
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
            var (report, elf) = try McuPipeline.build(options.settings, log: log)
            try report.record(try MicroFirmware.run(elf: elf), cpi: options.cpi)
            print(try McuPipeline.write(report, to: options.outputDirectory, json: options.json))
            if report.bitExact != true { throw ExitCode(1) }
        } catch let e as ExitCode {
            throw e
        } catch {
            throw fail(error)
        }
    }
}
