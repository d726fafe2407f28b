/// A drawing surface holding colour (linear floats, H x W x 3) and class labels (H x W)
/// side by side, so every painted pixel gets its label from the same call: painter's
/// order (far to near) then gives correct occlusion in both.
struct Canvas {
    let width: Int
    let height: Int
    var rgb: [Float]
    var labels: [UInt8]

    init(width: Int, height: Int) {
        self.width = width
        self.height = height
        rgb = [Float](repeating: 0, count: width * height * 3)
        labels = [UInt8](repeating: LabelMap.ignore, count: width * height)
    }

    @inline(__always)
    mutating func set(_ x: Int, _ y: Int, _ c: SIMD3<Float>, _ label: UInt8) {
        guard x >= 0 && y >= 0 && x < width && y < height else { return }
        let i = y * width + x
        rgb[3 * i] = c.x; rgb[3 * i + 1] = c.y; rgb[3 * i + 2] = c.z
        labels[i] = label
    }

    /// Fills [x0, x1) x [y0, y1) (clipped); `color` gets pixel coordinates.
    mutating func fillRect(_ x0: Double, _ y0: Double, _ x1: Double, _ y1: Double, label: UInt8,
                           color: (Int, Int) -> SIMD3<Float>) {
        let xa = max(0, Int(x0.rounded())), xb = min(width, Int(x1.rounded()))
        let ya = max(0, Int(y0.rounded())), yb = min(height, Int(y1.rounded()))
        guard xa < xb && ya < yb else { return }
        for y in ya..<yb { for x in xa..<xb { set(x, y, color(x, y), label) } }
    }

    /// Multiplies the colour of [x0, x1) x [y0, y1) by `factor`, labels unchanged (a shadow).
    /// Edges are truncated toward zero, then clipped: a rectangle partly or wholly outside the
    /// canvas (a car near the bottom edge of a wide, short image) darkens only what is inside.
    mutating func darken(_ x0: Double, _ y0: Double, _ x1: Double, _ y1: Double, by factor: Float) {
        guard x0.isFinite, y0.isFinite, x1.isFinite, y1.isFinite else { return }
        let limit = Double(Int32.max)
        let xa = max(0, Int(max(x0, -limit))), xb = min(width, Int(min(x1, limit)))
        let ya = max(0, Int(max(y0, -limit))), yb = min(height, Int(min(y1, limit)))
        guard xa < xb && ya < yb else { return }
        for y in ya..<yb {
            for i in (y * width + xa)..<(y * width + xb) {
                rgb[3 * i] *= factor; rgb[3 * i + 1] *= factor; rgb[3 * i + 2] *= factor
            }
        }
    }

    /// Fills the ellipse centred at (cx, cy) with radii (rx, ry).
    mutating func fillEllipse(_ cx: Double, _ cy: Double, _ rx: Double, _ ry: Double, label: UInt8,
                              color: (Int, Int) -> SIMD3<Float>) {
        guard rx > 0.3 && ry > 0.3 else { return }
        let ya = max(0, Int((cy - ry).rounded(.down))), yb = min(height - 1, Int((cy + ry).rounded(.up)))
        let xa = max(0, Int((cx - rx).rounded(.down))), xb = min(width - 1, Int((cx + rx).rounded(.up)))
        guard xa <= xb && ya <= yb else { return }
        for y in ya...yb {
            for x in xa...xb {
                let dx = (Double(x) + 0.5 - cx) / rx, dy = (Double(y) + 0.5 - cy) / ry
                if dx * dx + dy * dy <= 1 { set(x, y, color(x, y), label) }
            }
        }
    }

    /// Fills a convex polygon (vertices in order) by scanlines.
    mutating func fillPolygon(_ points: [(Double, Double)], label: UInt8, color: (Int, Int) -> SIMD3<Float>) {
        guard points.count >= 3 else { return }
        let ys = points.map(\.1)
        let ya = max(0, Int(ys.min()!.rounded(.down))), yb = min(height - 1, Int(ys.max()!.rounded(.up)))
        guard ya <= yb else { return }
        for y in ya...yb {
            let sy = Double(y) + 0.5
            var lo = Double.infinity, hi = -Double.infinity
            for i in 0..<points.count {
                let (x1, y1) = points[i], (x2, y2) = points[(i + 1) % points.count]
                if (y1 <= sy && sy < y2) || (y2 <= sy && sy < y1) {
                    let x = x1 + (sy - y1) / (y2 - y1) * (x2 - x1)
                    lo = min(lo, x); hi = max(hi, x)
                }
            }
            guard lo <= hi else { continue }
            let xa = max(0, Int(lo.rounded())), xb = min(width, Int(hi.rounded()))
            if xa < xb { for x in xa..<xb { set(x, y, color(x, y), label) } }
        }
    }

    /// A line of the given thickness (at least one pixel, so thin objects never vanish).
    mutating func drawLine(_ x0: Double, _ y0: Double, _ x1: Double, _ y1: Double, thickness: Double, label: UInt8,
                           color: (Int, Int) -> SIMD3<Float>) {
        let dx = x1 - x0, dy = y1 - y0
        let length = max((dx * dx + dy * dy).squareRoot(), 1e-9)
        let t = max(thickness, 1) / 2
        let nx = -dy / length * t, ny = dx / length * t
        fillPolygon([(x0 + nx, y0 + ny), (x1 + nx, y1 + ny), (x1 - nx, y1 - ny), (x0 - nx, y0 - ny)], label: label, color: color)
    }
}

/// Smooth pseudo-random value noise in [0, 1): hashed lattice values, bilinear with a
/// smoothstep, a few octaves. Deterministic in (x, y, seed).
struct ValueNoise {
    let seed: UInt64

    @inline(__always)
    private func lattice(_ x: Int, _ y: Int) -> Double {
        var h = UInt64(bitPattern: Int64(x)) &* 0x9E37_79B9_7F4A_7C15 ^ UInt64(bitPattern: Int64(y)) &* 0xC2B2_AE3D_27D4_EB4F ^ seed
        h = (h ^ (h >> 31)) &* 0xBF58_476D_1CE4_E5B9
        h ^= h >> 29
        return Double(h >> 11) / 9007199254740992.0
    }

    func value(_ x: Double, _ y: Double) -> Double {
        let xf = x.rounded(.down), yf = y.rounded(.down)
        let xi = Int(xf), yi = Int(yf)
        var tx = x - xf, ty = y - yf
        tx = tx * tx * (3 - 2 * tx); ty = ty * ty * (3 - 2 * ty)
        let a = lattice(xi, yi), b = lattice(xi + 1, yi), c = lattice(xi, yi + 1), d = lattice(xi + 1, yi + 1)
        return (a * (1 - tx) + b * tx) * (1 - ty) + (c * (1 - tx) + d * tx) * ty
    }

    /// Fractal sum of `octaves` octaves, normalised to [0, 1).
    func fractal(_ x: Double, _ y: Double, octaves: Int = 3) -> Double {
        var sum = 0.0, amplitude = 1.0, frequency = 1.0, norm = 0.0
        for _ in 0..<octaves {
            sum += amplitude * value(x * frequency, y * frequency)
            norm += amplitude
            amplitude *= 0.5
            frequency *= 2
        }
        return sum / norm
    }
}
