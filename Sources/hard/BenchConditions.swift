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
/// file (appending the section if absent), writing to a temporary file and renaming it.
enum MarkdownSection {
    static func replace(in path: String, marker: String, with body: String) throws {
        let start = "<!-- \(marker):start -->", end = "<!-- \(marker):end -->"
        let old = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        let block = "\(start)\n\(body)\n\(end)"
        let new: String
        if let s = old.range(of: start), let e = old.range(of: end), s.upperBound <= e.lowerBound {
            new = old.replacingCharacters(in: s.lowerBound..<e.upperBound, with: block)
        } else {
            new = old + (old.isEmpty || old.hasSuffix("\n") ? "" : "\n") + block + "\n"
        }
        let tmp = path + ".tmp-\(ProcessInfo.processInfo.processIdentifier)"
        try new.write(toFile: tmp, atomically: false, encoding: .utf8)
        guard rename(tmp, path) == 0 else {
            unlink(tmp)
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
        }
    }
}
