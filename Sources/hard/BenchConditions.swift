import Foundation
import HardEngine

/// The line every printed benchmark starts with: when, where, with what.
enum BenchConditions {
    static func describe() -> String {
        let cpu = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?
            .split(separator: "\n").first { $0.hasPrefix("model name") }?
            .split(separator: ":", maxSplits: 1).last?.trimmingCharacters(in: .whitespaces) ?? "unknown CPU"
        let threads = ProcessInfo.processInfo.environment["OMP_NUM_THREADS"] ?? "\(ProcessInfo.processInfo.activeProcessorCount) (all cores)"
        let date = ISO8601DateFormatter().string(from: Date()).prefix(10)
        return "Measured \(date) on \(cpu), \(ProcessInfo.processInfo.activeProcessorCount) cores, oneDNN \(OneDNN.version) (\(OneDNN.isa)), oneDNN threads \(threads), float32, release build"
    }
}

/// Replaces the text between `<!-- NAME:start -->` and `<!-- NAME:end -->` in a Markdown
/// file (appending the section if absent; creating the file if there is none), written
/// atomically. A file that exists but cannot be read is an error, never replaced by the section alone.
enum MarkdownSection {
    static func replace(in path: String, marker: String, with body: String) throws {
        let start = "<!-- \(marker):start -->", end = "<!-- \(marker):end -->"
        var old = ""
        if FileManager.default.fileExists(atPath: path) {
            do { old = try String(contentsOfFile: path, encoding: .utf8) } catch {
                throw FileError(file: path, doing: "cannot read the Markdown file to update", error)
            }
        }
        let block = "\(start)\n\(body)\n\(end)"
        let new: String
        if let s = old.range(of: start), let e = old.range(of: end), s.upperBound <= e.lowerBound {
            new = old.replacingCharacters(in: s.lowerBound..<e.upperBound, with: block)
        } else {
            new = old + (old.isEmpty || old.hasSuffix("\n") ? "" : "\n") + block + "\n"
        }
        try AtomicFile.write(new, to: path)
    }
}
