#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ArgumentParser
import Foundation
import HardEngine

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
