import HardEngine

/// The CamVid classes SynthStreets draws, in CamVid's (SegNet) label order.
enum StreetClass: UInt8 {
    case sky = 0, building, pole, road, pavement, tree, sign, fence, car, pedestrian, bicyclist
}

/// One procedurally drawn street scene, seen from a car on the road.
///
/// A pinhole camera at height `cameraHeight` looks down a straight street: ground-plane
/// point (X, Z) (metres, X to the right, Z ahead) lands at x = vanishingX + F·X/Z,
/// y = horizon + F·(cameraHeight − Y)/Z. The road, pavements and building facades are drawn
/// per pixel from that mapping (so textures shrink with distance); trees, poles with signs,
/// fences, cars, pedestrians and bicyclists are placed in the world and painted far to near,
/// which gives occlusion. Per-image lighting (brightness, colour temperature, a shadowed
/// street side), textures from value noise, and sensor noise make colour alone a poor cue:
/// grey cars against grey roads and facades, grey poles, random clothes and car paints.
struct StreetScene {
    let width: Int, height: Int
    var rng: SeededGenerator
    var canvas: Canvas
    let noise: ValueNoise
    // Camera
    let horizon: Double, vanishingX: Double, focal: Double, cameraHeight: Double
    // Street
    let roadHalf: Double, pavementWidth: Double
    let sunSide: Double
    /// Lateral position where the shadow of the buildings on the sun side begins.
    let shadowEdge: Double

    init(width: Int, height: Int, seed: UInt64) {
        self.width = width
        self.height = height
        var r = SeededGenerator(seed: seed)
        canvas = Canvas(width: width, height: height)
        noise = ValueNoise(seed: r.next())
        horizon = Double(height) * Double(r.uniform(0.36, 0.48))
        vanishingX = Double(width) * Double(r.uniform(0.38, 0.62))
        focal = Double(width) * Double(r.uniform(0.75, 1.05))
        cameraHeight = Double(r.uniform(1.3, 1.8))
        roadHalf = Double(r.uniform(3.5, 6.5))
        pavementWidth = Double(r.uniform(2.0, 4.0))
        sunSide = r.next() % 2 == 0 ? -1 : 1
        shadowEdge = Double(r.uniform(-0.5, 1.2)) * roadHalf
        rng = r
    }

    // MARK: Projection

    func screenX(_ x: Double, _ z: Double) -> Double { vanishingX + focal * x / z }
    func screenY(_ y: Double, _ z: Double) -> Double { horizon + focal * (cameraHeight - y) / z }
    /// Pixels per metre at depth z.
    func scale(_ z: Double) -> Double { focal / z }

    mutating func uniform(_ a: Double, _ b: Double) -> Double { Double(rng.uniform(Float(a), Float(b))) }
    mutating func chance(_ p: Double) -> Bool { uniform(0, 1) < p }
    mutating func pick<T>(_ options: [T]) -> T { options[Int(rng.next() % UInt64(options.count))] }

    /// A colour with per-object brightness variation.
    mutating func vary(_ c: SIMD3<Float>, _ amount: Double = 0.15) -> SIMD3<Float> {
        let k = Float(uniform(1 - amount, 1 + amount))
        return simd_clamp(c * k + SIMD3(Float(uniform(-0.03, 0.03)), Float(uniform(-0.03, 0.03)), Float(uniform(-0.03, 0.03))))
    }

    // MARK: Background

    mutating func drawSky() {
        let kind = rng.next() % 3
        let (top, bottom): (SIMD3<Float>, SIMD3<Float>)
        switch kind {
        case 0: (top, bottom) = (SIMD3(0.30, 0.50, 0.85), SIMD3(0.72, 0.82, 0.95))    // clear
        case 1: (top, bottom) = (SIMD3(0.62, 0.63, 0.66), SIMD3(0.80, 0.80, 0.82))    // overcast grey
        default: (top, bottom) = (SIMD3(0.45, 0.45, 0.65), SIMD3(0.95, 0.72, 0.50))   // evening
        }
        let cloudiness = uniform(0.1, 0.8)
        let n = noise, h = max(horizon, 1)
        // Only the sky above the horizon is visible; everything below is painted over.
        let skyBottom = min(Double(height), horizon + 2)
        canvas.fillRect(0, 0, Double(width), skyBottom, label: StreetClass.sky.rawValue) { x, y in
            let t = Float(min(Double(y) / h, 1))
            var c = top * (1 - t) + bottom * t
            let cloud = n.fractal(Double(x) / 40, Double(y) / 18, octaves: 3)
            if cloud > 1 - cloudiness * 0.6 { c = c * 0.6 + SIMD3(0.92, 0.92, 0.94) * 0.4 }
            return c
        }
        // Below the horizon the ground is drawn for every pixel; give it the road label first.
        canvas.fillRect(0, skyBottom, Double(width), Double(height), label: StreetClass.road.rawValue) { _, _ in bottom }
    }

    mutating func drawGround() {
        let asphalt = Float(uniform(0.22, 0.45))
        let road = SIMD3<Float>(asphalt, asphalt, asphalt * Float(uniform(0.95, 1.08)))
        let pavements = [vary(pick([SIMD3<Float>(0.62, 0.62, 0.60), SIMD3(0.58, 0.46, 0.40), SIMD3(0.52, 0.52, 0.55)]), 0.1),
                         vary(pick([SIMD3<Float>(0.62, 0.62, 0.60), SIMD3(0.58, 0.46, 0.40), SIMD3(0.52, 0.52, 0.55)]), 0.1)]
        let tile = uniform(0.4, 0.8)
        let dashLength = uniform(3, 8)
        let n = noise
        for y in Int(horizon.rounded(.up))..<height {
            let dy = Double(y) + 0.5 - horizon
            guard dy > 0.5 else { continue }
            let z = focal * cameraHeight / dy
            let haze = Float(min(z / 120, 0.6))
            for x in 0..<width {
                let X = (Double(x) + 0.5 - vanishingX) * z / focal
                let grain = Float(n.value(X * 3, z * 3) - 0.5) * 0.08
                var c: SIMD3<Float>
                var label = StreetClass.road.rawValue
                if abs(X) <= roadHalf {
                    c = road + grain
                    let dash = abs(X) < 0.12 && (z / dashLength).truncatingRemainder(dividingBy: 2) < 1
                    let edge = abs(abs(X) - (roadHalf - 0.25)) < 0.09
                    if dash || edge { c = SIMD3(0.85, 0.85, 0.80) + grain }
                } else {
                    label = StreetClass.pavement.rawValue
                    c = pavements[X < 0 ? 0 : 1] + grain
                    if abs(X) - roadHalf < 0.25 { c = c * 1.15 }   // kerb
                    let u = (abs(X) / tile).truncatingRemainder(dividingBy: 1), v = (z / tile).truncatingRemainder(dividingBy: 1)
                    if u < 0.06 || v < 0.06 { c = c * 0.8 }
                }
                if X * sunSide > shadowEdge { c = c * 0.75 }   // in the shadow of the buildings
                c = c * (1 - haze) + SIMD3(0.75, 0.78, 0.82) * haze
                canvas.set(x, y, c, label)
            }
        }
    }

    /// A vertical world-space plane at lateral position x between depths z0 < z1, up to
    /// height `top`, drawn column by column; `shade(z, y, label)` gives colour and label
    /// (nil: leave the pixel as it is, e.g. gaps between fence slats).
    mutating func drawFacade(x: Double, z0: Double, z1: Double, bottom: Double = 0, top: Double,
                             shade: (Double, Double) -> (SIMD3<Float>, UInt8)?) {
        let sx0 = screenX(x, z1), sx1 = screenX(x, z0)   // far edge is nearer the vanishing point
        let xa = max(0, Int(min(sx0, sx1).rounded(.down))), xb = min(width - 1, Int(max(sx0, sx1).rounded(.up)))
        guard xa <= xb else { return }
        for px in xa...xb {
            let d = Double(px) + 0.5 - vanishingX
            guard abs(d) > 1e-6, d * x > 0 else { continue }
            let z = focal * x / d
            guard z >= z0 && z <= z1 else { continue }
            let yTop = max(0, Int(screenY(top, z).rounded())), yBottom = min(height, Int(screenY(bottom, z).rounded()))
            guard yTop < yBottom else { continue }
            for py in yTop..<yBottom {
                let worldY = cameraHeight - (Double(py) + 0.5 - horizon) * z / focal
                if let (c, label) = shade(z, worldY) { canvas.set(px, py, c, label) }
            }
        }
    }

    mutating func drawBuildings() {
        let walls: [SIMD3<Float>] = [SIMD3(0.78, 0.72, 0.60), SIMD3(0.62, 0.32, 0.25), SIMD3(0.55, 0.55, 0.55),
                                     SIMD3(0.85, 0.85, 0.82), SIMD3(0.42, 0.46, 0.52), SIMD3(0.70, 0.60, 0.45)]
        for side in [-1.0, 1.0] {
            var segments: [(x: Double, z0: Double, z1: Double, top: Double, wall: SIMD3<Float>, lit: Bool, spacing: Double)] = []
            var z = uniform(1.5, 5)
            while z < 110 {
                let length = uniform(6, 22)
                if !chance(0.12) {
                    let x = side * (roadHalf + pavementWidth + uniform(0, 1.5))
                    segments.append((x, z, z + length, uniform(6, 30), vary(pick(walls)), chance(0.3), uniform(2.2, 3.5)))
                }
                z += length
            }
            let n = noise
            let shaded: Float = side == sunSide ? 0.72 : 1
            for s in segments.reversed() {   // far to near
                let windowDark = SIMD3<Float>(0.18, 0.22, 0.28), windowLit = SIMD3<Float>(0.85, 0.78, 0.5)
                let shop = vary(pick([SIMD3<Float>(0.3, 0.3, 0.35), SIMD3(0.6, 0.2, 0.2), SIMD3(0.2, 0.35, 0.5)]))
                drawFacade(x: s.x, z0: s.z0, z1: s.z1, top: s.top) { z, y in
                    let u = (z / s.spacing).truncatingRemainder(dividingBy: 1), v = (y / 3.1).truncatingRemainder(dividingBy: 1)
                    let texture = Float(n.value(z * 2, y * 2) - 0.5) * 0.1
                    var c = s.wall + texture
                    if y < 2.6 {
                        c = shop + texture
                    } else if u > 0.25 && u < 0.72 && v > 0.3 && v < 0.8 && y < s.top - 0.8 {
                        c = (s.lit && n.value(z, y) > 0.5 ? windowLit : windowDark) + texture
                    }
                    return (c * shaded, StreetClass.building.rawValue)
                }
            }
        }
    }

    // MARK: Objects

    /// Something standing in the scene, drawn far to near.
    struct Placed {
        let z: Double
        let draw: (inout StreetScene) -> Void
    }

    mutating func placeObjects() -> [Placed] {
        var objects: [Placed] = []
        // Poles (street lamps and sign posts): at least one in almost every image.
        let poles = chance(0.95) ? 1 + Int(rng.next() % 4) : 0
        for _ in 0..<poles {
            let side = pick([-1.0, 1.0])
            let z = uniform(3, 45), x = side * (roadHalf + uniform(0.3, 0.8))
            let height = uniform(4, 9), radius = uniform(0.08, 0.15)
            let color = vary(pick([SIMD3<Float>(0.45, 0.45, 0.45), SIMD3(0.25, 0.3, 0.25), SIMD3(0.6, 0.6, 0.62)]))
            let sign: (h: Double, size: Double, color: SIMD3<Float>, round: Bool)? =
                chance(0.7) ? (uniform(2.0, 3.2), uniform(0.5, 0.9), pick([SIMD3<Float>(0.8, 0.1, 0.1), SIMD3(0.1, 0.3, 0.8),
                                                                              SIMD3(0.95, 0.95, 0.95), SIMD3(0.95, 0.8, 0.1)]), chance(0.5)) : nil
            let lamp = height > 6 && chance(0.6)
            objects.append(Placed(z: z) { s in s.drawPole(x: x, z: z, height: height, radius: radius, color: color, sign: sign, lamp: lamp) })
        }
        // Trees on the pavement.
        for _ in 0..<Int(rng.next() % 6) {
            let side = pick([-1.0, 1.0]), z = uniform(4, 60)
            let x = side * (roadHalf + uniform(0.8, max(pavementWidth - 0.2, 1)))
            let trunk = uniform(1.8, 3), crown = uniform(1.2, 3), leaf = vary(pick([SIMD3<Float>(0.25, 0.45, 0.15), SIMD3(0.35, 0.5, 0.2),
                                                                                        SIMD3(0.2, 0.35, 0.18)]), 0.2)
            objects.append(Placed(z: z) { s in s.drawTree(x: x, z: z, trunk: trunk, crown: crown, leaf: leaf) })
        }
        // Fences along the outer edge of the pavement.
        for _ in 0..<Int(rng.next() % 3) {
            let side = pick([-1.0, 1.0]), z0 = uniform(3, 40), length = uniform(4, 15)
            let color = vary(pick([SIMD3<Float>(0.45, 0.32, 0.2), SIMD3(0.5, 0.5, 0.5), SIMD3(0.2, 0.35, 0.2)]))
            let x = side * (roadHalf + pavementWidth - 0.3), h = uniform(0.9, 1.6), slat = uniform(0.15, 0.35)
            objects.append(Placed(z: z0) { s in s.drawFence(x: x, z0: z0, z1: z0 + length, height: h, slat: slat, color: color) })
        }
        // Cars in the lanes and parked at the kerb.
        let paints: [SIMD3<Float>] = [SIMD3(0.9, 0.9, 0.9), SIMD3(0.1, 0.1, 0.12), SIMD3(0.55, 0.56, 0.58), SIMD3(0.35, 0.35, 0.37),
                                      SIMD3(0.7, 0.1, 0.1), SIMD3(0.1, 0.2, 0.6), SIMD3(0.75, 0.7, 0.55), SIMD3(0.3, 0.4, 0.3)]
        for _ in 0..<(1 + Int(rng.next() % 8)) {
            let parked = chance(0.35)
            let side = pick([-1.0, 1.0])
            let x = parked ? side * (roadHalf - 1.1) : side * roadHalf / 2 + uniform(-0.6, 0.6)
            let z = chance(0.5) ? uniform(4.5, 15) : uniform(15, 60), paint = vary(pick(paints), 0.1)
            objects.append(Placed(z: z) { s in s.drawCar(x: x, z: z, paint: paint) })
        }
        // Pedestrians on the pavement (and sometimes crossing).
        for _ in 0..<Int(rng.next() % 7) {
            let side = pick([-1.0, 1.0])
            let crossing = chance(0.15)
            let x = crossing ? uniform(-roadHalf, roadHalf) : side * (roadHalf + uniform(0.3, pavementWidth))
            let z = uniform(3, 40), height = uniform(1.5, 1.95)
            let shirt = vary(pick(paints + [SIMD3(0.2, 0.5, 0.3), SIMD3(0.6, 0.3, 0.5)]), 0.2)
            let trousers = vary(pick([SIMD3<Float>(0.15, 0.15, 0.25), SIMD3(0.3, 0.3, 0.3), SIMD3(0.5, 0.4, 0.3)]), 0.2)
            let skin = vary(pick([SIMD3<Float>(0.85, 0.65, 0.5), SIMD3(0.6, 0.42, 0.3), SIMD3(0.4, 0.28, 0.2)]), 0.1)
            objects.append(Placed(z: z) { s in
                s.drawPerson(x: x, z: z, height: height, shirt: shirt, trousers: trousers, skin: skin, label: StreetClass.pedestrian.rawValue)
            })
        }
        // Bicyclists near the kerb.
        for _ in 0..<(chance(0.4) ? 1 + Int(rng.next() % 2) : 0) {
            let side = pick([-1.0, 1.0]), z = uniform(4, 40), x = side * (roadHalf - 0.8)
            let shirt = vary(pick(paints), 0.2), frame = vary(pick(paints), 0.2)
            objects.append(Placed(z: z) { s in s.drawBicyclist(x: x, z: z, shirt: shirt, frame: frame) })
        }
        return objects.sorted { $0.z > $1.z }
    }

    mutating func drawPole(x: Double, z: Double, height: Double, radius: Double, color: SIMD3<Float>,
                           sign: (h: Double, size: Double, color: SIMD3<Float>, round: Bool)?, lamp: Bool) {
        let sx = screenX(x, z), label = StreetClass.pole.rawValue
        canvas.drawLine(sx, screenY(0, z), sx, screenY(height, z), thickness: 2 * radius * scale(z), label: label) { _, _ in color }
        if lamp {
            canvas.drawLine(sx, screenY(height, z), screenX(x + (x < 0 ? 1.5 : -1.5), z), screenY(height - 0.3, z),
                            thickness: radius * scale(z), label: label) { _, _ in color }
        }
        if let sign {
            let cy = screenY(sign.h, z), r = sign.size / 2 * scale(z)
            let inner = SIMD3<Float>(0.95, 0.95, 0.95)
            let label = StreetClass.sign.rawValue
            if sign.round {
                canvas.fillEllipse(sx, cy, r, r, label: label) { px, py in
                    let d = ((Double(px) + 0.5 - sx) * (Double(px) + 0.5 - sx) + (Double(py) + 0.5 - cy) * (Double(py) + 0.5 - cy)).squareRoot()
                    return d < r * 0.55 ? inner : sign.color
                }
            } else {
                canvas.fillRect(sx - r, cy - r, sx + r, cy + r, label: label) { px, _ in
                    abs(Double(px) + 0.5 - sx) < r * 0.2 ? inner : sign.color
                }
            }
        }
    }

    mutating func drawTree(x: Double, z: Double, trunk: Double, crown: Double, leaf: SIMD3<Float>) {
        let sx = screenX(x, z), k = scale(z), label = StreetClass.tree.rawValue
        let bark = SIMD3<Float>(0.35, 0.25, 0.15)
        canvas.drawLine(sx, screenY(0, z), sx, screenY(trunk + crown * 0.5, z), thickness: 0.25 * k, label: label) { _, _ in bark }
        let cy = screenY(trunk + crown * 0.8, z), n = noise
        canvas.fillEllipse(sx, cy, crown * k, crown * 0.9 * k, label: label) { px, py in
            let t = Float(n.fractal(Double(px) / max(k * 0.3, 1), Double(py) / max(k * 0.3, 1), octaves: 2))
            return leaf * (0.6 + 0.8 * t)
        }
    }

    mutating func drawFence(x: Double, z0: Double, z1: Double, height: Double, slat: Double, color: SIMD3<Float>) {
        drawFacade(x: x, z0: z0, z1: z1, top: height) { z, y in
            let u = (z / slat).truncatingRemainder(dividingBy: 1)
            let rail = abs(y - height * 0.8) < 0.06 || abs(y - height * 0.3) < 0.06
            return u < 0.45 || rail ? (color, StreetClass.fence.rawValue) : nil
        }
    }

    mutating func drawCar(x: Double, z: Double, paint: SIMD3<Float>) {
        let k = scale(z), label = StreetClass.car.rawValue
        let halfWidth = 0.9, length = 4.2
        let glass = SIMD3<Float>(0.12, 0.15, 0.2), tyre = SIMD3<Float>(0.05, 0.05, 0.05)
        // Shadow on the road (keeps the road's label).
        let gx = screenX(x, z)
        canvas.darken(gx - halfWidth * k * 1.1, screenY(0.05, z), gx + halfWidth * k * 1.1, screenY(0, z) + 2, by: 0.5)
        // The side facing the camera, drawn first, then the near (rear) face over it.
        let sideX = x > 0 ? x - halfWidth : x + halfWidth
        if abs(sideX) > 0.3 {
            drawFacade(x: sideX, z0: z, z1: z + length, bottom: 0.25, top: 1.45) { zz, y in
                let window = y > 0.95 && y < 1.35 && (zz - z) > 0.6 && (zz - z) < length - 0.6
                return (window ? glass : paint * 0.85, label)
            }
        }
        let left = screenX(x - halfWidth, z), right = screenX(x + halfWidth, z)
        let stripeLow = screenY(0.75, z), stripeHigh = screenY(0.95, z)
        canvas.fillRect(left, screenY(1.0, z), right, screenY(0.25, z), label: label) { _, py in
            Double(py) < stripeLow && Double(py) > stripeHigh ? paint * 0.7 : paint
        }
        let cabin = [(screenX(x - halfWidth * 0.85, z), screenY(1.0, z)), (screenX(x - halfWidth * 0.65, z), screenY(1.5, z)),
                     (screenX(x + halfWidth * 0.65, z), screenY(1.5, z)), (screenX(x + halfWidth * 0.85, z), screenY(1.0, z))]
        let glassLow = screenY(1.05, z), glassHigh = screenY(1.42, z)
        canvas.fillPolygon(cabin, label: label) { _, py in Double(py) < glassLow && Double(py) > glassHigh ? glass : paint }
        for wx in [x - halfWidth * 0.7, x + halfWidth * 0.7] {
            canvas.fillRect(screenX(wx - 0.18, z), screenY(0.4, z), screenX(wx + 0.18, z), screenY(0, z), label: label) { _, _ in tyre }
        }
        let lampColor = SIMD3<Float>(0.8, 0.1, 0.05)
        for lx in [x - halfWidth * 0.8, x + halfWidth * 0.8] {
            canvas.fillRect(screenX(lx - 0.1, z), screenY(0.85, z), screenX(lx + 0.1, z), screenY(0.7, z), label: label) { _, _ in lampColor }
        }
    }

    mutating func drawPerson(x: Double, z: Double, height: Double, shirt: SIMD3<Float>, trousers: SIMD3<Float>,
                             skin: SIMD3<Float>, label: UInt8) {
        let k = scale(z), sx = screenX(x, z)
        let stride = uniform(-0.18, 0.18)
        let hip = height * 0.5, shoulder = height * 0.82
        for leg in [-1.0, 1.0] {
            canvas.drawLine(sx + leg * 0.08 * k, screenY(hip, z), sx + (leg * 0.08 + leg * stride) * k, screenY(0, z),
                            thickness: 0.13 * k, label: label) { _, _ in trousers }
        }
        canvas.fillRect(sx - 0.19 * k, screenY(shoulder, z), sx + 0.19 * k, screenY(hip, z), label: label) { _, _ in shirt }
        for arm in [-1.0, 1.0] {
            canvas.drawLine(sx + arm * 0.2 * k, screenY(shoulder, z), sx + arm * (0.25 + abs(stride)) * k, screenY(hip, z),
                            thickness: 0.09 * k, label: label) { _, _ in shirt }
        }
        let head = height * 0.065
        canvas.fillEllipse(sx, screenY(height - head, z), head * k, head * 1.2 * k, label: label) { _, _ in skin }
    }

    mutating func drawBicyclist(x: Double, z: Double, shirt: SIMD3<Float>, frame: SIMD3<Float>) {
        let k = scale(z), sx = screenX(x, z), label = StreetClass.bicyclist.rawValue
        let tyre = SIMD3<Float>(0.08, 0.08, 0.08), wheel = 0.34
        // Seen from behind: one wheel in front of the other, slightly offset.
        for dz in [0.0, 0.9] {
            let cx = screenX(x, z + dz), cy = screenY(wheel, z + dz), r = wheel * scale(z + dz)
            canvas.fillEllipse(cx, cy, r * 0.25, r, label: label) { _, _ in tyre }
        }
        canvas.drawLine(sx, screenY(wheel, z), sx, screenY(0.95, z), thickness: 0.06 * k, label: label) { _, _ in frame }
        canvas.drawLine(sx - 0.28 * k, screenY(1.0, z), sx + 0.28 * k, screenY(1.0, z), thickness: 0.05 * k, label: label) { _, _ in frame }
        drawPerson(x: x, z: z - 0.05, height: 1.75, shirt: shirt, trousers: SIMD3(0.15, 0.15, 0.2), skin: SIMD3(0.8, 0.6, 0.45), label: label)
    }

    // MARK: Camera

    /// Lighting, vignetting and sensor noise, then 8-bit RGB.
    mutating func develop() -> RGBImage {
        let brightness = Float(uniform(0.65, 1.25))
        let tint = SIMD3<Float>(Float(uniform(0.9, 1.12)), 1, Float(uniform(0.85, 1.15)))
        let sigma = Float(uniform(0.01, 0.04))
        // Sensor noise from a table of normal deviates (Box-Muller per pixel was 8 % of a
        // training run's time).
        var table = [Float](repeating: 0, count: 4096)
        for i in 0..<table.count { table[i] = rng.normal() }
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        let cx = Double(width) / 2, cy = Double(height) / 2, rmax = (cx * cx + cy * cy)
        for y in 0..<height {
            for x in 0..<width {
                let i = y * width + x
                let dx = Double(x) - cx, dy = Double(y) - cy
                let vignette = Float(1 - 0.25 * (dx * dx + dy * dy) / rmax)
                for ch in 0..<3 {
                    var v = canvas.rgb[3 * i + ch] * brightness * tint[ch] * vignette + sigma * table[Int(rng.next() >> 52)]
                    v = min(max(v, 0), 1)
                    pixels[3 * i + ch] = UInt8((v.squareRoot() * 255).rounded())   // display gamma ~2
                }
            }
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }

    mutating func render() -> (RGBImage, LabelMap) {
        drawSky()
        drawGround()
        drawBuildings()
        for object in placeObjects() { object.draw(&self) }
        let image = develop()
        return (image, LabelMap(width: width, height: height, values: canvas.labels))
    }
}

@inline(__always)
func simd_clamp(_ c: SIMD3<Float>) -> SIMD3<Float> {
    SIMD3(min(max(c.x, 0), 1), min(max(c.y, 0), 1), min(max(c.z, 0), 1))
}
