import HardData

extension ConfusionMatrix {
    /// The matrix as an image: row c (true class) normalised by the pixels labelled c, each
    /// cell `cell` x `cell` pixels on viridis (dark purple 0 -> yellow 1), so the diagonal is
    /// each class's recall and a bright off-diagonal cell a confusion. A strip of the class
    /// colours (`palette`) runs down the left (true class) and along the top (prediction),
    /// one cell wide, so rows and columns are told apart without text; rows of classes never
    /// labelled are grey.
    public func heatMap(palette: [RGBColor], cell: Int = 16) -> RGBImage {
        precondition(cell >= 1 && palette.count >= classes, "heat map: \(palette.count) colours for \(classes) classes")
        let side = (classes + 1) * cell
        var pixels = [UInt8](repeating: 255, count: side * side * 3)
        func fill(row: Int, column: Int, _ c: RGBColor) {
            for y in (row * cell)..<((row + 1) * cell) {
                for x in (column * cell)..<((column + 1) * cell) {
                    let i = (y * side + x) * 3
                    pixels[i] = c.r; pixels[i + 1] = c.g; pixels[i + 2] = c.b
                }
            }
        }
        for c in 0..<classes {
            fill(row: 0, column: c + 1, palette[c])
            fill(row: c + 1, column: 0, palette[c])
            let total = labelled(c)
            for p in 0..<classes {
                let colour = total == 0 ? RGBColor(128, 128, 128) : Self.viridis(Double(counts[c * classes + p]) / Double(total))
                fill(row: c + 1, column: p + 1, colour)
            }
        }
        return RGBImage(width: side, height: side, pixels: pixels)
    }

    /// Viridis at t in [0, 1], linear between five of its stops.
    static func viridis(_ t: Double) -> RGBColor {
        let stops: [(Double, Double, Double)] = [(68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37)]
        let x = min(max(t, 0), 1) * Double(stops.count - 1)
        let k = min(Int(x), stops.count - 2), f = x - Double(k)
        let a = stops[k], b = stops[k + 1]
        func mix(_ u: Double, _ v: Double) -> UInt8 { UInt8((u + (v - u) * f).rounded()) }
        return RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
    }
}
