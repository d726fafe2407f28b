import Foundation

/// A command-line value that is out of range or malformed; the message names the flag.
public struct OptionError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Checks of the numbers a command line gives (counts, sizes, thread counts, fractions),
/// made where they are parsed, each error naming the flag: a negative `--limit` must not
/// reach a loop, nor `--threads 100000` the OpenMP runtime.
public enum OptionValues {
    /// Image sides (`--height`, `--input-size 360x640`, crops) the tools accept: 16 is the
    /// smallest input the five variants' strides leave a pixel of; 16384 is far past any
    /// camera and keeps a side times a side times channels inside memory estimates.
    public static let sides = 16...16384

    /// Threads: at most 4 per core (oversubscribing to measure it is fine; 10^5 threads
    /// crash the OpenMP runtime) and never more than 1024.
    public static var maxThreads: Int { min(1024, 4 * max(1, ProcessInfo.processInfo.activeProcessorCount)) }

    /// `value` must be at least `minimum` (and at most `maximum` when given).
    public static func count(_ value: Int, _ flag: String, minimum: Int = 1, maximum: Int? = nil) throws {
        if let maximum, value < minimum || value > maximum {
            throw OptionError("\(flag) must be \(minimum)...\(maximum), got \(value)")
        }
        if value < minimum { throw OptionError("\(flag) must be at least \(minimum), got \(value)") }
    }

    /// One image side (`--height`, `--width`).
    public static func side(_ value: Int, _ flag: String) throws {
        if !sides.contains(value) {
            throw OptionError("\(flag) must be \(sides.lowerBound)...\(sides.upperBound) pixels, got \(value)")
        }
    }

    /// `HxW` (e.g. `360x640`), each side in `sides`.
    public static func size(_ text: String, _ flag: String) throws -> (height: Int, width: Int) {
        let parts = text.lowercased().split(separator: "x", omittingEmptySubsequences: false)
        guard parts.count == 2, let h = Int(parts[0]), let w = Int(parts[1]) else {
            throw OptionError("\(flag) takes HxW, e.g. 360x640, got '\(text)'")
        }
        guard sides.contains(h), sides.contains(w) else {
            throw OptionError("\(flag): each side must be \(sides.lowerBound)...\(sides.upperBound) pixels, got \(h)x\(w)")
        }
        return (h, w)
    }

    /// `--threads`: 1 ... `maxThreads`.
    public static func threads(_ value: Int, _ flag: String = "--threads") throws {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        if value < 1 || value > maxThreads {
            throw OptionError("\(flag) must be 1...\(maxThreads) (4 per core on this machine's \(cores) cores, never above 1024), got \(value)")
        }
    }

    /// A finite number in `range`.
    public static func number(_ value: Double, _ flag: String, in range: ClosedRange<Double>) throws {
        if !value.isFinite || !range.contains(value) {
            throw OptionError("\(flag) must be in \(short(range.lowerBound))...\(short(range.upperBound)), got \(value)")
        }
    }

    /// A finite number above zero (and at most `maximum`).
    public static func positive(_ value: Double, _ flag: String, maximum: Double = .greatestFiniteMagnitude) throws {
        if !value.isFinite || value <= 0 || value > maximum {
            let bound = maximum == .greatestFiniteMagnitude ? "" : " and at most \(short(maximum))"
            throw OptionError("\(flag) must be above 0\(bound), got \(value)")
        }
    }

    static func short(_ v: Double) -> String { v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : "\(v)" }
}
