import Foundation

/// Small SVG charts for run reports (no plotting dependency).
public enum SVGChart {
    /// A line chart of (x, y) series on shared axes; each series gets a colour and a legend entry.
    public static func lines(_ series: [(name: String, color: String, points: [(Double, Double)])], title: String,
                             xLabel: String, yLabel: String, width: Int = 640, height: Int = 360) -> String {
        let all = series.flatMap(\.points)
        guard !all.isEmpty else { return "<svg xmlns=\"http://www.w3.org/2000/svg\"/>" }
        let x0 = all.map(\.0).min()!, x1 = max(all.map(\.0).max()!, x0 + 1)
        let y0 = min(0, all.map(\.1).min()!), y1 = max(all.map(\.1).max()!, y0 + 1e-6)
        let left = 60.0, right = Double(width) - 20, top = 40.0, bottom = Double(height) - 50
        func px(_ x: Double) -> Double { left + (x - x0) / (x1 - x0) * (right - left) }
        func py(_ y: Double) -> Double { bottom - (y - y0) / (y1 - y0) * (bottom - top) }
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" font-family=\"sans-serif\" font-size=\"12\">\n"
        svg += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        svg += "<text x=\"\(width / 2)\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">\(title)</text>\n"
        svg += String(format: "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"black\"/>\n", left, bottom, right, bottom)
        svg += String(format: "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"black\"/>\n", left, top, left, bottom)
        for k in 0...4 {
            let y = y0 + (y1 - y0) * Double(k) / 4, x = x0 + (x1 - x0) * Double(k) / 4
            // Three significant digits: losses (2.02), percentages (94.9) and learning rates (0.0075) alike.
            svg += String(format: "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%.3g</text>\n", left - 6, py(y) + 4, y)
            svg += String(format: "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>\n", left, py(y), right, py(y))
            svg += String(format: "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%.0f</text>\n", px(x), bottom + 18, x)
        }
        svg += "<text x=\"\(Int((left + right) / 2))\" y=\"\(height - 12)\" text-anchor=\"middle\">\(xLabel)</text>\n"
        svg += String(format: "<text x=\"16\" y=\"%.1f\" text-anchor=\"middle\" transform=\"rotate(-90 16 %.1f)\">%@</text>\n",
                      (top + bottom) / 2, (top + bottom) / 2, yLabel)
        for (i, s) in series.enumerated() {
            let path = s.points.map { String(format: "%.1f,%.1f", px($0.0), py($0.1)) }.joined(separator: " ")
            svg += "<polyline fill=\"none\" stroke=\"\(s.color)\" stroke-width=\"1.6\" points=\"\(path)\"/>\n"
            if s.points.count <= 30 {
                for p in s.points { svg += String(format: "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%@\"/>\n", px(p.0), py(p.1), s.color) }
            }
            svg += "<text x=\"\(Int(right) - 150)\" y=\"\(Int(top) + 16 * i + 4)\" fill=\"\(s.color)\">\(s.name)</text>\n"
        }
        return svg + "</svg>\n"
    }
}
