import Foundation
import HardEngine

/// A failed firmware build or run: the step, and what the tool said.
public struct FirmwareError: Error, CustomStringConvertible {
    public let step: String
    public let detail: String
    public var description: String { "firmware \(step) failed: \(detail)" }

    public init(step: String, detail: String) {
        self.step = step
        self.detail = detail
    }
}

/// What one run of the firmware under qemu reported (its `key=value` lines), with the
/// image sizes from the ELF.
public struct FirmwareRun {
    public var values: [String: String]
    /// One entry per op of the profiling pass: op code, output shape, instructions.
    public var profile: [FirmwareOpProfile] = []
    /// .text + .rodata + .data initialisers: the flash image (code, runtime, weights, input).
    public var flashBytes: Int
    public var textBytes: Int
    public var dataBytes: Int

    public func int(_ key: String) -> Int? { values[key].flatMap { Int($0) } }
}

public struct FirmwareOpProfile: Codable {
    public var op: Int
    public var code: Int
    public var output: String
    public var instructions: Int
}

/// Builds `Firmware/` (Embedded Swift + arm-none-eabi-gcc, newlib-nano) around a model blob
/// and an input image, and runs it on qemu's Cortex-M7 (mps2-an500) with -icount shift=0.
public enum MicroFirmware {
    /// Runs `make -C firmwareDirectory all` with the blob and input; returns the ELF path.
    public static func build(firmwareDirectory: String, buildDirectory: String, blob: String, input: String) throws -> String {
        let dir = URL(fileURLWithPath: firmwareDirectory).standardizedFileURL.path
        guard FileManager.default.fileExists(atPath: dir + "/Makefile") else {
            throw FirmwareError(step: "build", detail: "no Makefile in \(dir) (run from the repository root, or pass --firmware DIR)")
        }
        let abs = { (p: String) in URL(fileURLWithPath: p).standardizedFileURL.path }
        let (status, output) = try execute("/usr/bin/env", ["make", "-s", "-C", dir, "all", "BUILD=\(abs(buildDirectory))",
                                                            "MODEL_BLOB=\(abs(blob))", "INPUT_BIN=\(abs(input))"], timeout: 600)
        guard status == 0 else {
            let tail = output.split(separator: "\n").suffix(15).joined(separator: "\n")
            if output.contains("region `FLASH' overflowed") {
                throw FirmwareError(step: "build", detail: "the image does not fit the STM32F746NG's 1 MB of flash (link.ld)\n\(tail)")
            }
            throw FirmwareError(step: "build", detail: "make exited with \(status)\n\(tail)")
        }
        return abs(buildDirectory) + "/firmware.elf"
    }

    /// Boots the ELF in qemu and collects its report. A firmware that exits non-zero (a
    /// refused blob, a fault) is an error carrying its output.
    public static func run(elf: String, timeout: TimeInterval = 300) throws -> FirmwareRun {
        let (status, output) = try execute("/usr/bin/env", qemuArguments(elf: elf), timeout: timeout)
        var values: [String: String] = [:]
        var profile: [FirmwareOpProfile] = []
        for line in output.split(separator: "\n") {
            var fields: [String: String] = [:]
            for field in line.split(separator: " ") {
                let kv = field.split(separator: "=", maxSplits: 1)
                if kv.count == 2 { fields[String(kv[0])] = String(kv[1]) }
            }
            if line.hasPrefix("profile ") {
                if let op = fields["op"].flatMap({ Int($0) }), let code = fields["code"].flatMap({ Int($0) }),
                   let n = fields["instructions"].flatMap({ Int($0) }) {
                    profile.append(FirmwareOpProfile(op: op, code: code, output: fields["output"] ?? "", instructions: n))
                }
            } else {
                values.merge(fields) { $1 }
            }
        }
        if values["status"] == "too-large" {
            throw FirmwareError(step: "run", detail: "the model needs \(values["arena_bytes"] ?? "?") bytes of arena, the F746's RAM leaves \(values["heap_capacity_bytes"] ?? "?") for the heap")
        }
        guard status == 0, values["status"] == "ok" else {
            throw FirmwareError(step: "run", detail: "qemu exited with \(status): \(output.suffix(600))")
        }
        let (text, data) = try sizes(elf)
        return FirmwareRun(values: values, profile: profile, flashBytes: text + data, textBytes: text, dataBytes: data)
    }

    /// qemu's command line for the ELF (after /usr/bin/env): the Cortex-M7 board, semihosting
    /// on stdout, -icount shift=0 (virtual time counts instructions).
    static func qemuArguments(elf: String) -> [String] {
        ["qemu-system-arm", "-M", "mps2-an500", "-cpu", "cortex-m7", "-nographic", "-monitor", "none", "-serial", "null",
         "-chardev", "stdio,id=semihosting", "-semihosting-config", "enable=on,target=native,chardev=semihosting",
         "-icount", "shift=0", "-kernel", elf]
    }

    /// text and data columns of `arm-none-eabi-size` (berkeley format).
    public static func sizes(_ elf: String) throws -> (Int, Int) {
        let (status, output) = try execute("/usr/bin/env", ["arm-none-eabi-size", elf], timeout: 60)
        let lines = output.split(separator: "\n")
        guard status == 0, lines.count >= 2 else { throw FirmwareError(step: "size", detail: output) }
        let cols = lines[1].split(whereSeparator: { $0 == " " || $0 == "\t" }).compactMap { Int($0) }
        guard cols.count >= 2 else { throw FirmwareError(step: "size", detail: output) }
        return (cols[0], cols[1])
    }

    /// Runs a tool, stdout and stderr together; kills it after `timeout` seconds.
    static func execute(_ tool: String, _ arguments: [String], timeout: TimeInterval) throws -> (Int32, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = arguments
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        do { try p.run() } catch {
            throw FirmwareError(step: arguments.first ?? tool, detail: "cannot start: \(FileError.words(for: error))")
        }
        let timer = DispatchWorkItem { if p.isRunning { p.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: timer)
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        timer.cancel()
        let text = String(decoding: data, as: UTF8.self)
        if p.terminationReason == .uncaughtSignal {
            throw FirmwareError(step: arguments.first ?? tool, detail: "killed after \(Int(timeout)) s\n\(text.suffix(600))")
        }
        return (p.terminationStatus, text)
    }
}
