// hard-fuzz: the libFuzzer entry point for the readers of untrusted input, or, in an
// ordinary build, a replayer that runs files through the same targets.
//
// Fuzzing build (Fuzz/run.sh, `make fuzz`):
//   swift build -c release --scratch-path .build-fuzz --product hard-fuzz --sanitize=fuzzer \
//     -Xswiftc -sanitize=fuzzer,address -Xcc -fsanitize=address -Xswiftc -DHARD_LIBFUZZER
//   HARD_FUZZ_TARGET=png .build-fuzz/release/hard-fuzz runs/fuzz/png Fuzz/corpus/png
// libFuzzer supplies `main` there; HARD_LIBFUZZER removes this file's own.
//
// Ordinary build: `hard-fuzz <target> <file or folder>...` runs each file once (a crash
// input reproduced without libFuzzer).
import HardFuzzTargets
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

#if HARD_LIBFUZZER

/// Chosen once in `LLVMFuzzerInitialize`, before any input runs.
nonisolated(unsafe) private var selected = FuzzTarget.png

@_cdecl("LLVMFuzzerInitialize")
public func fuzzerInitialize(_ argc: UnsafeMutablePointer<Int32>,
                             _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>) -> Int32 {
    let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")
    guard let value = getenv("HARD_FUZZ_TARGET") else {
        fputs("hard-fuzz: set HARD_FUZZ_TARGET to one of: \(names)\n", stderr)
        exit(2)
    }
    guard let target = FuzzTarget(rawValue: String(cString: value)) else {
        fputs("hard-fuzz: unknown HARD_FUZZ_TARGET '\(String(cString: value))'; one of: \(names)\n", stderr)
        exit(2)
    }
    selected = target
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    selected.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}

#else

@main
enum HardFuzzReplay {
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: "|")
        guard arguments.count >= 2, let target = FuzzTarget(rawValue: arguments[0]) else {
            fputs("usage: hard-fuzz <\(names)> <file or folder>...\n"
                  + "  runs each file once through the fuzz target (a libFuzzer build fuzzes instead: Fuzz/run.sh)\n", stderr)
            exit(2)
        }
        var files = 0
        for path in arguments.dropFirst() {
            for file in filesUnder(path) {
                guard let bytes = readAll(file) else {
                    fputs("hard-fuzz: cannot read \(file)\n", stderr)
                    exit(1)
                }
                target.run(bytes)
                files += 1
            }
        }
        print("hard-fuzz \(target.rawValue): \(files) files, no crash")
    }

    /// `path` itself, or the regular files directly inside it, sorted.
    static func filesUnder(_ path: String) -> [String] {
        guard let dir = opendir(path) else { return [path] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
            if !name.hasPrefix(".") { names.append(path + "/" + name) }
        }
        return names.sorted()
    }

    static func readAll(_ path: String) -> [UInt8]? {
        guard let f = fopen(path, "rb") else { return nil }
        defer { fclose(f) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = fread(&chunk, 1, chunk.count, f)
            bytes += chunk[0..<n]
            if n < chunk.count { break }
        }
        return bytes
    }
}

#endif
