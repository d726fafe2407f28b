// Vectorised reductions: Swift keeps float additions in source order, so a plain
// `for i { s += a[i] }` loop cannot use SIMD; eight independent lanes can.

@inline(__always)
func simdSum(_ a: UnsafePointer<Float>, _ n: Int) -> Float {
    var acc = SIMD8<Float>(repeating: 0)
    var i = 0
    let raw = UnsafeRawPointer(a)
    while i + 8 <= n {
        acc += raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
        i += 8
    }
    var s = acc.sum()
    while i < n { s += a[i]; i += 1 }
    return s
}

/// sum a[i] * b[i]
@inline(__always)
func simdDot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
    var acc = SIMD8<Float>(repeating: 0)
    var i = 0
    let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
    while i + 8 <= n {
        acc += ra.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self) * rb.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
        i += 8
    }
    var s = acc.sum()
    while i < n { s += a[i] * b[i]; i += 1 }
    return s
}

/// sum (a[i] - m)^2
@inline(__always)
func simdCenteredSquares(_ a: UnsafePointer<Float>, _ m: Float, _ n: Int) -> Float {
    var acc = SIMD8<Float>(repeating: 0)
    let mv = SIMD8<Float>(repeating: m)
    var i = 0
    let raw = UnsafeRawPointer(a)
    while i + 8 <= n {
        let d = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self) - mv
        acc += d * d
        i += 8
    }
    var s = acc.sum()
    while i < n { let d = a[i] - m; s += d * d; i += 1 }
    return s
}

/// sum g[i] * (x[i] - m)
@inline(__always)
func simdCenteredDot(_ g: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ m: Float, _ n: Int) -> Float {
    var acc = SIMD8<Float>(repeating: 0)
    let mv = SIMD8<Float>(repeating: m)
    var i = 0
    let rg = UnsafeRawPointer(g), rx = UnsafeRawPointer(x)
    while i + 8 <= n {
        acc += rg.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self) * (rx.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self) - mv)
        i += 8
    }
    var s = acc.sum()
    while i < n { s += g[i] * (x[i] - m); i += 1 }
    return s
}
