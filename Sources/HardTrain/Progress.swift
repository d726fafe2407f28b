import Foundation

/// Training progress on the terminal: a live bar on a TTY (iteration, loss, LR, images/s,
/// ETA), a plain line every `logInterval` iterations otherwise (CI logs, files).
public final class ProgressReporter {
    let total: Int
    let interactive: Bool
    let stream: FileHandle

    public init(total: Int, stream: FileHandle = .standardError) {
        self.total = total
        self.stream = stream
        interactive = isatty(stream.fileDescriptor) != 0
    }

    public func update(iteration: Int, loss: Double, learningRate: Double, imagesPerSecond: Double, eta: Double, force: Bool = false) {
        let line = String(format: "iter %d/%d  loss %.4f  lr %.2e  %.1f img/s  ETA %@", iteration, total, loss, learningRate,
                          imagesPerSecond, Self.duration(eta) as NSString)
        if interactive {
            let width = 24
            let filled = min(width, width * iteration / max(total, 1))
            let bar = String(repeating: "=", count: filled) + String(repeating: " ", count: width - filled)
            stream.write(Data("\r[\(bar)] \(line)   ".utf8))
        } else if force {
            stream.write(Data((line + "\n").utf8))
        }
    }

    public func message(_ text: String) {
        stream.write(Data(((interactive ? "\r\u{1B}[K" : "") + text + "\n").utf8))
    }

    public func finish() { if interactive { stream.write(Data("\n".utf8)) } }

    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite && seconds >= 0 else { return "?" }
        let s = Int(seconds)
        return s >= 3600 ? "\(s / 3600)h\(String(format: "%02d", s % 3600 / 60))m" : s >= 60 ? "\(s / 60)m\(String(format: "%02d", s % 60))s" : "\(s)s"
    }
}
