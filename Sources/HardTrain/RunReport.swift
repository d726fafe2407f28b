import Foundation
import HardData
import HardEngine

/// One self-contained HTML page about a run folder (`hard report RUN_DIR`, the end of
/// `hard demo`): the conditions of every figure, learning curves, the evaluation's metrics,
/// per-class IoU bars, the confusion heat map and the validation overlays. Charts are inline
/// SVG, images are data URIs: the page opens anywhere, offline, with no script.
///
/// What it reads, each part optional but at least one of the first two:
///   RUN/train.jsonl                 the training log (`RunLog`)
///   RUN/metrics.json, RUN/eval/metrics.json   `hard eval --output` (one result) or the demo's
///                                   {"hard_xxs": ..., "colour_baseline": ...}
///   RUN/checkpoint.safetensors      the run's configuration (training state metadata)
///   RUN/overlays/*.png              validation overlays (the demo writes them)
public enum RunReport {
    public struct Sources: Sendable {
        public var log: [LogEntry] = []
        public var config: TrainConfig?
        /// (label, result): the first is the one shown in detail.
        public var results: [(String, EvaluationResult)] = []
        public var overlays: [(name: String, png: [UInt8])] = []
        public var runDir: String
    }

    /// Reads what the folder holds; damaged files are errors naming them, absent ones are not.
    public static func read(_ runDir: String) throws -> Sources {
        var s = Sources(runDir: runDir)
        func path(_ name: String) -> String { (runDir as NSString).appendingPathComponent(name) }
        guard Folder.exists(runDir) else { throw FileError(file: runDir, problem: "no such folder") }
        if RunReport.isFile(path("train.jsonl")) { s.log = try RunLog.read(path("train.jsonl")) }
        if RunReport.isFile(path("checkpoint.safetensors")) {
            s.config = try? TrainingState.config(at: path("checkpoint.safetensors"))
        }
        for name in ["metrics.json", "eval/metrics.json"] where RunReport.isFile(path(name)) {
            s.results += try readResults(path(name))
        }
        let overlayDir = path("overlays")
        if Folder.exists(overlayDir) {
            for name in try FileManager.default.contentsOfDirectory(atPath: overlayDir).sorted() where name.hasSuffix(".png") && !name.hasPrefix(".") {
                let file = (overlayDir as NSString).appendingPathComponent(name)
                _ = try ImageFile.readRGB(file)   // a damaged overlay is reported, not embedded
                s.overlays.append((name, Array(try FileContents.read(file))))
            }
        }
        guard !s.log.isEmpty || !s.results.isEmpty else {
            throw FileError(file: runDir, problem: "holds neither train.jsonl nor metrics.json: not a training run or an evaluation (`hard eval --output DIR`)")
        }
        return s
    }

    static func readResults(_ file: String) throws -> [(String, EvaluationResult)] {
        let data = try FileContents.read(file)
        let decoder = JSONDecoder()
        if let one = try? decoder.decode(EvaluationResult.self, from: data) { return [(one.dataset, one)] }
        if let many = try? decoder.decode([String: EvaluationResult].self, from: data) {
            // The demo's file: the model first, then the baseline.
            return many.sorted { ($0.key.contains("baseline") ? 1 : 0, $0.key) < ($1.key.contains("baseline") ? 1 : 0, $1.key) }
                .map { ($0.key, $0.value) }
        }
        throw FileError(file: file, problem: "is not an evaluation result (hard eval --output writes one)")
    }

    /// The page for `s`; `machine` and `date` name the conditions of the report itself.
    public static func html(_ s: Sources, machine: String = MachineDescription.current, date: Date = Date()) -> String {
        var body = "<h1>Run report: \(escape((s.runDir as NSString).lastPathComponent))</h1>\n"
        body += "<p class=\"small\">Folder <code>\(escape(s.runDir))</code>; page written \(escape(ISO8601DateFormatter().string(from: date))) by <code>hard report</code> on \(escape(machine)).</p>\n"
        body += conditions(s)
        body += curves(s.log)
        if let (label, result) = s.results.first {
            body += metrics(s.results)
            body += classBars(label, result)
            body += confusion(result)
        } else {
            body += "<h2>Evaluation</h2><p>No <code>metrics.json</code> here: run <code>hard eval --checkpoint \(escape(s.runDir))/best.safetensors --output \(escape(s.runDir))/eval</code>, then this report again.</p>\n"
        }
        body += overlays(s.overlays)
        return """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>hard report: \(escape(s.runDir))</title>
        <style>
        body { font-family: sans-serif; margin: 2em auto; max-width: 1100px; color: #222; background: #fff; }
        table { border-collapse: collapse; margin: 0.5em 0 1.5em; } td, th { border: 1px solid #ccc; padding: 3px 8px; text-align: left; }
        td.num { text-align: right; font-variant-numeric: tabular-nums; } .small { color: #666; font-size: 0.9em; }
        .grid { display: flex; flex-wrap: wrap; gap: 8px; } .grid figure { margin: 0; } .grid img { max-width: 340px; image-rendering: pixelated; }
        .swatch { display: inline-block; width: 12px; height: 12px; margin-right: 4px; vertical-align: middle; }
        </style></head><body>
        \(body)</body></html>

        """
    }

    static func conditions(_ s: Sources) -> String {
        var rows: [(String, String)] = []
        if let c = s.config {
            rows += [("model", c.model), ("dataset", c.dataset.kind + (c.dataset.root.map { " at \($0)" } ?? "")),
                     ("iterations", "\(s.log.map(\.iteration).max() ?? 0) of \(c.iterations)"),
                     ("batch, crop", "\(c.batchSize), \(c.cropHeight)x\(c.cropWidth) (scale \(c.scaleMin)-\(c.scaleMax), flip \(c.flip))"),
                     ("optimiser", String(format: "AdamW, LR %.0e → %.0e → %.0e, warm-up %d, weight decay %.0e", c.lrStart, c.lrPeak, c.lrEnd,
                                          c.warmupIterations, c.weightDecay)),
                     ("loss", c.loss == "ohem" ? String(format: "OHEM cross-entropy (threshold %.2f, min kept %d)", c.ohemThreshold, c.ohemMinKept) : "cross-entropy"),
                     ("class weights", c.classWeights.map { w -> String in
                         switch w { case .auto: return "auto (ENet's 1/ln(1.02 + p))"; case .values(let v): return v.map { String(format: "%.2f", $0) }.joined(separator: ", ") }
                     } ?? "none"),
                     ("auxiliary loss weight", String(format: "%.2f", c.auxWeight)), ("seed", "\(c.seed)")]
        } else if !s.log.isEmpty {
            rows.append(("training", "\(s.log.map(\.iteration).max() ?? 0) iterations (no checkpoint.safetensors: configuration unknown)"))
        }
        let speeds = s.log.compactMap(\.imagesPerSecond).sorted()
        if !speeds.isEmpty { rows.append(("training speed", String(format: "median %.1f images/s (logged, this run's machine)", speeds[speeds.count / 2]))) }
        for (label, r) in s.results {
            var text = "\(r.images) images of \(r.dataset)"
            if let t = r.timing {
                text += String(format: "; %.1f ms reading and %.1f ms predicting per image (%@)", t.readMsPerImage, t.predictMsPerImage, t.path)
            }
            rows.append(("evaluation: \(label)", text))
        }
        return "<h2>Conditions</h2>\n<table>\n" + rows.map { "<tr><th>\(escape($0.0))</th><td>\(escape($0.1))</td></tr>" }.joined(separator: "\n") + "\n</table>\n"
    }

    static func curves(_ log: [LogEntry]) -> String {
        guard !log.isEmpty else { return "" }
        let train = log.filter { $0.kind == "train" }, val = log.filter { $0.kind == "val" }
        func points(_ entries: [LogEntry], _ value: (LogEntry) -> Double?) -> [(Double, Double)] {
            entries.compactMap { e in value(e).map { (Double(e.iteration), $0) } }
        }
        var html = "<h2>Learning curves</h2>\n"
        html += SVGChart.lines([("total", "#1f77b4", points(train, \.loss)), ("main head", "#2ca02c", points(train, \.lossMain)),
                                ("auxiliary heads", "#ff7f0e", points(train, \.lossAux))]
                                   .filter { !$0.points.isEmpty && $0.points.contains { $0.1 != 0 } },   // no aux heads: all 0
                               title: "Training loss", xLabel: "iteration", yLabel: "loss")
        html += SVGChart.lines([("learning rate", "#9467bd", points(train, \.learningRate))], title: "Learning rate", xLabel: "iteration", yLabel: "LR")
        let valSeries = [("mIoU", "#d62728", points(val) { $0.valMIoU.map { 100 * $0 } }),
                         ("pixel accuracy", "#8c564b", points(val) { $0.valPixelAccuracy.map { 100 * $0 } })].filter { !$0.2.isEmpty }
        if !valSeries.isEmpty {
            html += SVGChart.lines(valSeries.map { ($0.0, $0.1, $0.2) }, title: "Validation (%)", xLabel: "iteration", yLabel: "%")
        }
        return html
    }

    static func metrics(_ results: [(String, EvaluationResult)]) -> String {
        func p(_ v: Double) -> String { String(format: "%.2f", 100 * v) }
        var html = "<h2>Evaluation</h2>\n<table>\n<tr><th></th><th>mIoU</th><th>mAcc</th><th>mDice</th><th>fwIoU</th><th>pixel accuracy</th></tr>\n"
        for (label, r) in results {
            html += "<tr><th>\(escape(label))</th>" + [r.miou, r.meanAccuracy, r.meanDice, r.frequencyWeightedIoU, r.pixelAccuracy]
                .map { "<td class=\"num\">\(p($0))</td>" }.joined() + "</tr>\n"
        }
        return html + "</table>\n"
    }

    static func palette(_ classes: Int) -> [RGBColor] {
        (try? Palettes.colors(named: nil, classes: classes)) ?? (0..<classes).map { ConfusionMatrix.viridis(Double($0) / Double(max(classes - 1, 1))) }
    }

    static func hex(_ c: RGBColor) -> String { String(format: "#%02x%02x%02x", c.r, c.g, c.b) }

    /// Horizontal bars of per-class IoU (%), in the class colours, with accuracy and Dice beside.
    static func classBars(_ label: String, _ r: EvaluationResult) -> String {
        let colors = palette(r.perClass.count)
        let rowHeight = 20, left = 170, barWidth = 480
        let height = rowHeight * r.perClass.count + 40
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(left + barWidth + 80)\" height=\"\(height)\" font-family=\"sans-serif\" font-size=\"12\">\n"
        svg += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        for (i, c) in r.perClass.enumerated() {
            let y = 10 + i * rowHeight
            svg += "<text x=\"\(left - 8)\" y=\"\(y + 14)\" text-anchor=\"end\">\(escape(c.name))</text>\n"
            if let iou = c.iou {
                let w = max(1, Int((iou * Double(barWidth)).rounded()))
                svg += "<rect x=\"\(left)\" y=\"\(y + 2)\" width=\"\(w)\" height=\"\(rowHeight - 4)\" fill=\"\(hex(colors[i % colors.count]))\" stroke=\"#444\" stroke-width=\"0.5\"/>\n"
                svg += "<text x=\"\(left + w + 6)\" y=\"\(y + 14)\">\(String(format: "%.1f", 100 * iou))</text>\n"
            } else {
                svg += "<text x=\"\(left + 6)\" y=\"\(y + 14)\" fill=\"#888\">absent</text>\n"
            }
        }
        svg += "<line x1=\"\(left)\" y1=\"6\" x2=\"\(left)\" y2=\"\(height - 24)\" stroke=\"black\"/>\n"
        svg += "<text x=\"\(left + barWidth / 2)\" y=\"\(height - 8)\" text-anchor=\"middle\">IoU (%), \(escape(label))</text>\n</svg>\n"
        func cell(_ v: Double?) -> String { "<td class=\"num\">\(v.map { String(format: "%.2f", 100 * $0) } ?? "-")</td>" }
        var table = "<table>\n<tr><th>class</th><th>IoU</th><th>accuracy</th><th>Dice</th></tr>\n"
        for (i, c) in r.perClass.enumerated() {
            table += "<tr><td><span class=\"swatch\" style=\"background:\(hex(colors[i % colors.count]))\"></span>\(escape(c.name))</td>\(cell(c.iou))\(cell(c.accuracy))\(cell(c.dice))</tr>\n"
        }
        return "<h2>Per-class IoU</h2>\n" + svg + table + "</table>\n"
    }

    static func confusion(_ r: EvaluationResult) -> String {
        let n = r.perClass.count
        guard r.confusion.count == n, n > 0, r.confusion.allSatisfy({ $0.count == n }) else { return "" }
        var matrix = ConfusionMatrix(classes: n)
        matrix.load(rows: r.confusion)
        guard let png = try? ImageFile.encodePNG(matrix.heatMap(palette: palette(n), cell: max(8, min(24, 480 / n)))) else { return "" }
        return """
        <h2>Confusion matrix</h2>
        <p class="small">Rows: true class, columns: predicted class, each row divided by the pixels of its class (viridis: dark purple 0, yellow 1); the strips along the top and the left are the class colours of the table above.</p>
        <img alt="confusion matrix" src="data:image/png;base64,\(Data(png).base64EncodedString())">

        """
    }

    static func overlays(_ images: [(name: String, png: [UInt8])]) -> String {
        guard !images.isEmpty else { return "" }
        var html = "<h2>Validation scenes</h2>\n<div class=\"grid\">\n"
        for (name, png) in images {
            html += "<figure><img alt=\"\(escape(name))\" src=\"data:image/png;base64,\(Data(png).base64EncodedString())\"><figcaption class=\"small\">\(escape(name))</figcaption></figure>\n"
        }
        return html + "</div>\n"
    }

    static func isFile(_ path: String) -> Bool {
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDir) && !isDir.boolValue
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    /// Reads `runDir` and writes the page to `output` (default RUN/report.html), atomically.
    @discardableResult
    public static func write(_ runDir: String, to output: String? = nil) throws -> String {
        let page = html(try read(runDir))
        let path = output ?? (runDir as NSString).appendingPathComponent("report.html")
        try AtomicFile.write(page, to: path)
        return path
    }
}

/// "AMD EPYC, 2 cores": the CPU model and the cores this process sees.
public enum MachineDescription {
    public static var current: String {
        let cpu = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?
            .split(separator: "\n").first { $0.hasPrefix("model name") }
            .map { $0.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "" } ?? nil
        return "\(cpu ?? "CPU"), \(ProcessInfo.processInfo.activeProcessorCount) cores"
    }
}
