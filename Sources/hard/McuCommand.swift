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
        subcommands: [McuBuildCommand.self, McuRunCommand.self, McuCyclesCommand.self, McuPackageCommand.self, McuFitCommand.self])
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
        the instruction count of one inference, the latency at 216 MHz with the CPI assumed \
        (estimated_ms_at_cpi_216mhz) and by the Cortex-M7 cycle model (estimated_cycles_m7_model, \
        estimated_ms_216mhz; a second qemu run with its trace on, see `hard mcu cycles`), and \
        whether the firmware's class map is bit-exact with the host's. Exits 1 if it is not.

        Example:
          hard mcu run --checkpoint runs/edge/best.safetensors --height 64 --width 64 --json
        """)

    @OptionGroup var options: McuOptions
    @Flag(help: "Skip the cycle model (its traced qemu run takes a few seconds more).") var noCycleModel = false
    @Option(parsing: .unconditional, help: "Cycle model: cycles per mispredicted branch (8; 6 measured with early flags).") var mispredictPenalty = 8.0

    func validate() throws {
        try checked { try OptionValues.positive(mispredictPenalty, "--mispredict-penalty", maximum: 100) }
    }

    func run() throws {
        do {
            let log: (String) -> Void = { line in if !options.json { print(line) } }
            var (report, elf) = try McuPipeline.build(options.settings, log: log)
            try report.record(try MicroFirmware.run(elf: elf), cpi: options.cpi)
            if !noCycleModel {
                var model = CycleModel()
                model.mispredictPenalty = mispredictPenalty
                try report.record(cycles: try model.run(elf: elf).estimates, mispredictPenalty: mispredictPenalty, macs: report.macs)
            }
            print(try McuPipeline.write(report, to: options.outputDirectory, json: options.json))
            if report.bitExact != true { throw ExitCode(1) }
        } catch let e as ExitCode {
            throw e
        } catch {
            throw fail(error)
        }
    }
}

struct McuCyclesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cycles",
        abstract: "Estimate Cortex-M7 cycles of a built firmware ELF (qemu's trace, llvm-mca's Cortex-M7 model, a branch predictor).",
        discussion: """
        Runs the firmware under qemu with its execution trace on, costs every executed block \
        with llvm-mca's Cortex-M7 model and adds 8 cycles per branch a bimodal predictor \
        misses (docs/microcontroller.md, "Cycle model"). Segments: the whole inference, then \
        each op alone. `hard mcu run` does this itself.

        Example:
          hard mcu cycles --elf runs/mcu-hard-edge-64x64/firmware/firmware.elf
        """)

    @Option(help: "The firmware ELF (from hard mcu build or run).") var elf: String?
    @Option(parsing: .unconditional, help: "Cycles per mispredicted branch (6...8 measured on the M7).") var mispredictPenalty = 8.0
    @Flag(help: "Print the model against loops measured on a Cortex-M7 instead (no ELF needed).") var anchors = false
    @Flag(help: "Print JSON.") var json = false

    func validate() throws {
        try checked {
            try OptionValues.positive(mispredictPenalty, "--mispredict-penalty", maximum: 100)
            if (elf == nil) == !anchors { throw OptionError("give --elf FILE or --anchors") }
        }
    }

    func run() throws {
        do {
            var model = CycleModel()
            model.mispredictPenalty = mispredictPenalty
            if anchors {
                print("Cortex-M7 loops measured on silicon (\(CycleAnchor.source)) against the model's llvm-mca:")
                print("anchor               measured  model  rule")
                for (a, c) in try model.anchors() {
                    let mark = a.expectation == .agrees ? "" : a.expectation == .modelFaster ? "  [model optimistic]" : "  [model pessimistic]"
                    print(a.name.padding(toLength: 20, withPad: " ", startingAt: 0)
                          + String(format: "%7.1f %7.1f  ", a.measuredCycles, c) + a.rule + mark)
                }
                return
            }
            guard let elf else { return }
            let (trace, estimates) = try model.run(elf: elf)
            if json {
                print(String(decoding: try McuPipeline.reportJSON(estimates), as: UTF8.self))
                return
            }
            print("\(trace.blocks.count) blocks translated; segment 0 is the whole inference, then one per op")
            for (k, e) in estimates.enumerated() {
                print(String(format: "segment %2d: %10d instructions  %12.0f cycles (pipeline %.0f, %d mispredicts)  CPI %.3f  %.2f ms at 216 MHz",
                             k, e.instructions, e.cycles, e.pipelineCycles, e.mispredicts, e.cycles / Double(max(e.instructions, 1)),
                             e.cycles / 216e3))
            }
        } catch {
            throw fail(error)
        }
    }
}

struct McuPackageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "package",
        abstract: "Write the int8 runtime as a C library for your own firmware: libhard_micro.a, hard_micro.h, the model as a C array, an example.",
        discussion: """
        Quantizes as `hard mcu run` does, builds the runtime (Embedded Swift, armv7em, hard \
        float) into lib/libhard_micro.a, writes include/hard_micro.h, model/hard_model.c|h and \
        example/ (main.c, the first validation image, a Makefile for arm-none-eabi-gcc), then \
        builds the example and runs it under qemu's Cortex-M7, checking its class map and \
        logits bit for bit against the host's int8 runtime (exits 1 if they differ; \
        --no-check skips it). The folder is written under a temporary name and renamed.

        Example:
          hard mcu package --checkpoint runs/synthstreets-edge/best.safetensors --output edge-package
        """)

    @OptionGroup var options: McuOptions
    @Flag(help: "Do not build and run the example under qemu.") var noCheck = false

    var directory: String { options.output ?? "runs/mcu-package-\(options.height)x\(options.width)" }

    func run() throws {
        do {
            let log: (String) -> Void = { line in if !options.json { print(line) } }
            var inputs = [OutputGuard.Input(options.firmware, "the --firmware source folder")]
            if let c = options.modelOptions.checkpoint {
                inputs += [OutputGuard.Input(c, "the --checkpoint"), OutputGuard.Input(Checkpoint.infoPath(for: c), "the --checkpoint's JSON")]
            }
            if let c = options.config { inputs.append(OutputGuard.Input(c, "the --config file")) }
            try OutputGuard.check(outputs: [directory], against: inputs)
            let (_, _, q) = try McuPipeline.quantize(options.settings, log: log)
            var summary = try McuPackage.write(blob: q.blob, image: q.testImage.pixels, firmwareDirectory: options.firmware, to: directory)
            if !noCheck {
                log("building the example with arm-none-eabi-gcc and running it under qemu")
                try McuPackage.check(&summary)
            }
            if options.json {
                print(String(decoding: try McuPipeline.reportJSON(summary), as: UTF8.self))
            } else {
                print("wrote \(summary.directory): lib/libhard_micro.a (\(summary.libraryBytes) bytes), include/hard_micro.h, model/ (blob \(summary.blobBytes) bytes, arena \(summary.arenaBytes) bytes), example/")
                if let exact = summary.bitExact {
                    print("example under qemu: \(summary.exampleInstructions ?? 0) instructions, flash \(summary.exampleFlashBytes ?? 0) bytes, heap \(summary.exampleHeapBytes ?? 0) bytes; bit-exact with the host int8 runtime: \(exact ? "yes" : "NO")")
                }
            }
            if summary.bitExact == false { throw ExitCode(1) }
        } catch let e as ExitCode {
            throw e
        } catch {
            throw fail(error)
        }
    }
}
