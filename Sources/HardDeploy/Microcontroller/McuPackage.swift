import Foundation
import HardEngine
import HardMicro

// `hard mcu package`: the int8 runtime as a library for the user's own firmware. The folder:
//   include/hard_micro.h     the C API (Firmware/Library/hard_micro.h)
//   lib/libhard_micro.a      HardMicro + its C API, Embedded Swift for armv7em, hard float
//   model/hard_model.{c,h}   the blob as a 16-byte aligned C array, its sizes and arena bytes
//   example/                 main.c, the test image as input.c, a Makefile (arm-none-eabi-gcc)
//                            and board/ (startup, linker script, semihosting of Firmware/)
//   README.md
// It is written under a temporary name and renamed into place; `check` builds the example
// and runs it under qemu.

public struct McuPackageSummary: Encodable {
    public var directory: String
    public var height: Int
    public var width: Int
    public var classes: Int
    public var blobBytes: Int
    public var arenaBytes: Int
    public var libraryBytes: Int
    public var classmapFnv1a: String
    public var logitsFnv1a: String
    // Filled by `check`:
    public var exampleFlashBytes: Int?
    public var exampleInstructions: Int?
    public var exampleHeapBytes: Int?
    public var exampleClassmapFnv1a: String?
    public var bitExact: Bool?
}

public enum McuPackage {
    /// Builds libhard_micro.a from `firmwareDirectory` (its `make library`) and writes the
    /// package of `blob` with `image` (height x width x 3 RGB) as the example's input.
    public static func write(blob: [UInt8], image: [UInt8], firmwareDirectory: String, to dir: String) throws -> McuPackageSummary {
        let host = try Int8Executor(blob: blob, source: "the quantized model")
        let input = host.model.tensors[host.model.inputTensor]
        guard image.count == input.elementCount else {
            throw FirmwareError(step: "package", detail: "the test image has \(image.count) bytes, the model takes \(input.elementCount)")
        }
        let classMap = host.classMap(rgb: image)
        let logits = host.values(of: host.logitsTensor).map { UInt8(bitPattern: $0) }
        let arena = planArena(host.model).totalBytes
        let classes = host.model.tensors[host.logitsTensor].channels

        let firmware = URL(fileURLWithPath: firmwareDirectory).standardizedFileURL
        let final = URL(fileURLWithPath: dir).standardizedFileURL
        let staging = final.deletingLastPathComponent().appendingPathComponent(".\(final.lastPathComponent).tmp-\(UUID().uuidString)")
        let fm = FileManager.default
        func refuseNonPackage() throws {
            if fm.fileExists(atPath: final.path), !fm.fileExists(atPath: final.appendingPathComponent("include/hard_micro.h").path) {
                throw FirmwareError(step: "package", detail: "\(final.path) exists and is not a hard mcu package: not replacing it")
            }
        }
        try refuseNonPackage()  // before the minute of building, and again before the rename
        defer { try? fm.removeItem(at: staging) }
        for sub in ["include", "lib", "model", "example/board", "build"] {
            try fm.createDirectory(at: staging.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        let (status, output) = try MicroFirmware.execute("/usr/bin/env", [
            "make", "-s", "-C", firmware.path, "library", "BUILD=\(staging.appendingPathComponent("build").path)",
        ], timeout: 600)
        guard status == 0 else {
            throw FirmwareError(step: "package", detail: "make library exited with \(status)\n\(output.split(separator: "\n").suffix(15).joined(separator: "\n"))")
        }
        try fm.moveItem(at: staging.appendingPathComponent("build/libhard_micro.a"), to: staging.appendingPathComponent("lib/libhard_micro.a"))
        try fm.removeItem(at: staging.appendingPathComponent("build"))
        func copy(_ from: String, _ to: String) throws {
            try fm.copyItem(at: firmware.appendingPathComponent(from), to: staging.appendingPathComponent(to))
        }
        try copy("Library/hard_micro.h", "include/hard_micro.h")
        try copy("Library/example/main.c", "example/main.c")
        try copy("Library/example/Makefile", "example/Makefile")
        try copy("Startup/startup.S", "example/board/startup.S")
        try copy("link.ld", "example/board/link.ld")
        try copy("Support/include/firmware.h", "example/board/firmware.h")
        for c in ["semihosting.c", "fault.c", "memory.c", "timer.c"] { try copy("Support/" + c, "example/board/" + c) }

        let header = """
        /* The model of this package (hard mcu package): a HARD int8 blob, read in place. */
        #ifndef HARD_MODEL_H
        #define HARD_MODEL_H
        #include <stdint.h>
        #define HARD_MODEL_HEIGHT \(input.height)
        #define HARD_MODEL_WIDTH \(input.width)
        #define HARD_MODEL_CLASSES \(classes)
        /* hard_micro_arena_bytes of this blob: activations and kernel scratch. */
        #define HARD_MODEL_ARENA_BYTES \(arena)
        extern const uint8_t hard_model[];
        extern const unsigned hard_model_size;
        #endif

        """
        try Data(header.utf8).write(to: staging.appendingPathComponent("model/hard_model.h"))
        try Data(cArray(name: "hard_model", bytes: blob, include: "hard_model.h").utf8).write(to: staging.appendingPathComponent("model/hard_model.c"))
        try Data(cArray(name: "hard_example_input", bytes: image, include: nil).utf8).write(to: staging.appendingPathComponent("example/input.c"))
        let hex = { (b: [UInt8]) in String(format: "%08x", b.withUnsafeBytes { fnv1a32($0) }) }
        try Data(readme(height: input.height, width: input.width, classes: classes, arena: arena, classMap: hex(classMap)).utf8)
            .write(to: staging.appendingPathComponent("README.md"))

        try refuseNonPackage()
        if fm.fileExists(atPath: final.path) {
            // Foundation on Linux cannot replaceItemAt a folder: the old package steps aside
            // under a temporary name, the new one takes its place, and only then is the old
            // one deleted (put back if the rename fails).
            let old = final.deletingLastPathComponent().appendingPathComponent(".\(final.lastPathComponent).old-\(UUID().uuidString)")
            try fm.moveItem(at: final, to: old)
            do { try fm.moveItem(at: staging, to: final) } catch {
                try? fm.moveItem(at: old, to: final)
                throw error
            }
            try? fm.removeItem(at: old)
        } else {
            try fm.moveItem(at: staging, to: final)
        }
        let library = (try? fm.attributesOfItem(atPath: final.appendingPathComponent("lib/libhard_micro.a").path)[.size] as? Int) ?? 0
        return McuPackageSummary(directory: final.path, height: input.height, width: input.width, classes: classes, blobBytes: blob.count,
                                 arenaBytes: arena, libraryBytes: library, classmapFnv1a: hex(classMap), logitsFnv1a: hex(logits))
    }

    /// Builds the package's example with arm-none-eabi-gcc, runs it under qemu and compares its
    /// class map and logits with the host's.
    public static func check(_ summary: inout McuPackageSummary) throws {
        let example = summary.directory + "/example"
        let (status, output) = try MicroFirmware.execute("/usr/bin/env", ["make", "-s", "-C", example], timeout: 600)
        guard status == 0 else {
            throw FirmwareError(step: "package example", detail: "make exited with \(status)\n\(output.split(separator: "\n").suffix(15).joined(separator: "\n"))")
        }
        let run = try MicroFirmware.run(elf: example + "/build/example.elf", timeout: 300)
        summary.exampleFlashBytes = run.flashBytes
        summary.exampleInstructions = run.int("instructions")
        summary.exampleHeapBytes = run.int("heap_bytes")
        summary.exampleClassmapFnv1a = run.values["classmap_fnv1a"]
        summary.bitExact = run.values["classmap_fnv1a"] == summary.classmapFnv1a && run.values["logits_fnv1a"] == summary.logitsFnv1a
    }

    /// `const uint8_t name[] = { ... };` 16-byte aligned, and `name_size`.
    static func cArray(name: String, bytes: [UInt8], include: String?) -> String {
        var s = "/* Written by hard mcu package. */\n#include <stdint.h>\n"
        if let include { s += "#include \"\(include)\"\n" }
        s += "const unsigned \(name)_size = \(bytes.count)u;\n"
        s += "const uint8_t \(name)[\(max(bytes.count, 1))] __attribute__((aligned(16))) = {\n"
        let digits = Array("0123456789abcdef".utf8)
        var line: [UInt8] = []
        line.reserveCapacity(100)
        for (k, b) in bytes.enumerated() {
            line += Array("0x".utf8) + [digits[Int(b >> 4)], digits[Int(b & 15)], UInt8(ascii: ",")]
            if k % 16 == 15 || k == bytes.count - 1 {
                s += String(decoding: line, as: UTF8.self) + "\n"
                line.removeAll(keepingCapacity: true)
            }
        }
        return s + "};\n"
    }

    static func readme(height: Int, width: Int, classes: Int, arena: Int, classMap: String) -> String {
        """
        # HARD int8 runtime for Cortex-M7 (`hard mcu package`)

        The model: \(height)x\(width) RGB in, \(height)x\(width) class indices out, \(classes) classes; \
        \(arena) bytes of arena.

        - `include/hard_micro.h`: the C API (init with an arena, run, error codes). Read its top comment.
        - `lib/libhard_micro.a`: the runtime (Embedded Swift, armv7em, hard float, fpv5-d16). Link it
          with `-mcpu=cortex-m7 -mthumb -mfloat-abi=hard -mfpu=fpv5-d16`.
        - `model/hard_model.c`, `model/hard_model.h`: the model blob as a C array (flash), its size and arena.
        - `example/`: `make run` builds `main.c` with arm-none-eabi-gcc against the library and runs it
          under qemu's Cortex-M7 (`qemu-system-arm -M mps2-an500`); it prints `classmap_fnv1a=\(classMap)`
          for the packaged test image when it computes what hard's host runtime computes. `board/` is
          the startup code, linker script and semihosting of hard's own firmware; on your board keep
          `main.c`'s calls and use your own.

        In your firmware:

        ```c
        #include "hard_micro.h"
        #include "hard_model.h"
        static uint8_t arena[HARD_MODEL_ARENA_BYTES] __attribute__((aligned(16)));
        hard_micro *m;
        int rc = hard_micro_init(&m, hard_model, hard_model_size, arena, sizeof arena);
        if (rc) { /* hard_micro_error_name(rc) */ }
        hard_micro_run(m, rgb_frame, class_map);   // H*W*3 bytes in, H*W bytes out
        ```

        """
    }
}
