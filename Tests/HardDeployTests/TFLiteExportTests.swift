import Foundation
import XCTest
import HardData
import HardEngine
import HardMicro
import HardModels
@testable import HardDeploy

/// `hard export tflite`: LiteRT (TFLite's interpreter, PyPI `ai-edge-litert` in the project
/// venv) runs the exported file, and with TFLite's reference kernels (the arithmetic TFLite
/// Micro and CMSIS-NN implement) its class map and int8 logits equal hard's host int8 runtime
/// bit for bit. LiteRT's optimised x86 kernels and its default XNNPACK delegate round
/// differently from TFLite's own reference (docs/tflite.md): there the test measures and
/// bounds the disagreement instead.
final class TFLiteExportTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    /// Resolvers the export must equal bit for bit, and those it is only compared with.
    static let exactResolvers = ["ref"]
    static let otherResolvers = ["builtin", "auto"]

    func python() throws -> URL {
        let venv = Self.root.appendingPathComponent(".venv/bin/python")
        guard FileManager.default.isExecutableFile(atPath: venv.path) else {
            XCTFail("no Python venv with ai-edge-litert at \(venv.path): run scripts/bootstrap.sh --python (make test does)")
            throw XCTSkip("no venv")
        }
        return venv
    }

    /// Runs `Tools/check_tflite.py` on `inputs` (raw input tensors); per resolver and input,
    /// the int32 class map and the int8 logits.
    func liteRT(_ file: [UInt8], inputs: [[UInt8]], resolver: String) throws -> [(classes: [Int32], logits: [Int8])] {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hard-tflite-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = dir.appendingPathComponent("m.tflite"), input = dir.appendingPathComponent("in.bin")
        try Data(file).write(to: model)
        try Data(inputs.flatMap { $0 }).write(to: input)
        let p = Process()
        p.executableURL = try python()
        p.arguments = [Self.root.appendingPathComponent("Tools/check_tflite.py").path, model.path, input.path,
                       dir.appendingPathComponent("out").path, "--resolver", resolver]
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            XCTFail("check_tflite.py (\(resolver)) failed: \(message)")
            return []
        }
        return try (0..<inputs.count).map { n in
            let c = try Data(contentsOf: dir.appendingPathComponent("out/\(resolver)_\(n)_classes.bin"))
            let l = try Data(contentsOf: dir.appendingPathComponent("out/\(resolver)_\(n)_logits.bin"))
            let classes = c.withUnsafeBytes { raw in (0..<(c.count / 4)).map { Int32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: Int32.self)) } }
            return (classes, l.map { Int8(bitPattern: $0) })
        }
    }

    /// Host and LiteRT on the same images: equal class maps and logits, for every resolver.
    func assertBitExact(_ m: Int8Model, images: [[UInt8]], rgbInput: Bool, _ what: String, severalClasses: Bool = true) throws {
        let file = try TFLiteExporter.flatbuffer(m, options: .init(rgbInput: rgbInput))
        let host = try Int8Executor(blob: m.blob(), source: what)
        guard case .inputLookup(_, _, let table) = m.ops[0] else { return XCTFail("no input lookup") }
        var expected: [([UInt8], [Int8])] = []
        var inputs: [[UInt8]] = []
        for rgb in images {
            expected.append((host.classMap(rgb: rgb), host.values(of: host.logitsTensor)))
            // The int8 input is the lookup's output: table[c * 256 + byte].
            inputs.append(rgbInput ? rgb : rgb.enumerated().map { p, v in UInt8(bitPattern: table[(p % 3) * 256 + Int(v)]) })
        }
        let distinctClasses = Set(expected.flatMap { $0.0 }).count
        if severalClasses { XCTAssertGreaterThan(distinctClasses, 1, "\(what): the test images give one class only, a weak check") }
        for r in Self.exactResolvers + Self.otherResolvers {
            let got = try liteRT(file, inputs: inputs, resolver: r)
            XCTAssertEqual(got.count, images.count)
            var classDiff = 0, logitDiff = 0, maxSteps = 0, classes = 0, logitCount = 0
            for (n, (e, g)) in zip(expected, got).enumerated() {
                XCTAssertEqual(g.classes.count, e.0.count, "\(what), \(r), image \(n): class map size")
                XCTAssertEqual(g.logits.count, e.1.count, "\(what), \(r), image \(n): logits size")
                classDiff += zip(e.0, g.classes).filter { Int32($0) != $1 }.count
                logitDiff += zip(e.1, g.logits).filter { $0 != $1 }.count
                maxSteps = max(maxSteps, zip(e.1, g.logits).map { abs(Int($0) - Int($1)) }.max() ?? 0)
                classes += e.0.count
                logitCount += e.1.count
            }
            let summary = "\(what), LiteRT \(r): \(classDiff) of \(classes) classes and \(logitDiff) of \(logitCount) logits differ from hard's (at most \(maxSteps) steps)"
            print(summary)
            if Self.exactResolvers.contains(r) {
                XCTAssertEqual(classDiff + logitDiff, 0, summary)
            } else {
                // The rounding differences stay small (measured: docs/tflite.md).
                XCTAssertLessThanOrEqual(Double(classDiff), 0.02 * Double(classes), summary)
                XCTAssertLessThanOrEqual(maxSteps, 12, summary)
            }
        }
    }

    /// HARD-Edge (seeded weights with moved BN statistics), quantized on SynthStreets at
    /// 64x64 as `hard export tflite` does, on four validation images; int8 and RGB input.
    func testHardEdgeExportEqualsTheHostInt8RuntimeUnderLiteRT() throws {
        _ = try python()
        let net = Zoo.make(.edge, classes: SynthStreets.classNames.count, seed: 3)
        var rng = SeededGenerator(seed: 5)
        for _ in 0..<2 { _ = withNoGrad { net.outputs(Tensor.normal([2, 3, 64, 64], generator: &rng)) } }
        net.eval()
        let graph = try Graph.trace(net, height: 64, width: 64).inferenceReady()
        let train = SynthStreets(split: .train, count: 4, width: 64, height: 64, seed: 1)
        var calibrator = RangeCalibrator(valueCount: graph.shapes.count, method: .minMax)
        for i in 0..<train.count { calibrator.observe(graph, input: Normalization.batch([try train.sample(i).image])) }
        let m = try Quantizer(graph: graph, calibrator: calibrator).int8Model()
        let val = SynthStreets(split: .val, count: 4, width: 64, height: 64, seed: 2)
        let images = try (0..<val.count).map { try val.sample($0).image.pixels }
        try assertBitExact(m, images: images, rgbInput: false, "hard-edge")
        try assertBitExact(m, images: Array(images.prefix(2)), rgbInput: true, "hard-edge, RGB input")
    }

    /// What HARD's variants do not use but the runtime has: average pooling with padding
    /// (counted as 0.0: PAD then VALID), max pooling whose padding is not TFLite's SAME split
    /// (PADV2 with -128), SAME max pooling, both global pools, a stride-2 convolution (PAD),
    /// a ReLU6 clamp, ADD and CONCATENATION.
    func testEveryRuntimeOpExportsExactly() throws {
        _ = try python()
        var m = Int8Model()
        var rng = SeededGenerator(seed: 11)
        func q(_ lo: Float, _ hi: Float) -> ActivationQuantization { ActivationQuantization(range: lo, hi) }
        func tensor(_ h: Int, _ w: Int, _ c: Int, _ quantization: ActivationQuantization) -> Int {
            m.tensors.append(.init(height: h, width: w, channels: c, type: .int8, quantization: quantization))
            return m.tensors.count - 1
        }
        func conv(_ x: Int, _ y: Int, _ g: ConvGeometry, depthwise: Bool, bound: ActivationBound) throws -> Int8Model.Op {
            let xs = m.tensors[x], ys = m.tensors[y]
            let cout = ys.channels, cin = xs.channels
            let per = depthwise ? g.kernelH * g.kernelW : g.kernelH * g.kernelW * cin
            let scales = (0..<cout).map { _ in Double(Float(Double.random(in: 0.002...0.02, using: &rng))) }
            let values = (0..<(cout * per)).map { _ in Int8.random(in: -127...127, using: &rng) }
            let bias = (0..<cout).map { _ in Int32.random(in: -2000...2000, using: &rng) }
            var weights: [Int8], folded = bias
            if depthwise {
                weights = [Int8](repeating: 0, count: cout * per)
                for o in 0..<cout { for k in 0..<per { weights[k * cout + o] = values[o * per + k] } }
            } else {
                let row = denseRowBytes(kernelH: g.kernelH, kernelW: g.kernelW, inputChannels: cin)
                weights = [Int8](repeating: 0, count: cout * row)
                for o in 0..<cout {
                    var sum: Int32 = 0
                    for k in 0..<per { weights[o * row + k] = values[o * per + k]; sum += Int32(values[o * per + k]) }
                    folded[o] = bias[o] &- xs.quantization.zeroPoint &* sum
                }
            }
            let multipliers = try scales.map { try quantizeMultiplier(xs.quantization.scale * $0 / ys.quantization.scale) }
            return .conv(input: x, output: y, geometry: g, depthwise: depthwise, bounds: ys.quantization.activationBounds(bound),
                         weights: weights, bias: bias, foldedBias: depthwise ? [] : folded, multipliers: multipliers, weightScales: scales)
        }
        let unit = ActivationQuantization(scale: 1, zeroPoint: 0)
        m.tensors.append(.init(height: 16, width: 16, channels: 3, type: .uint8, quantization: unit))
        let qa = q(-2.1, 2.6), qb = q(0, 6), qc = q(-3, 4), qd = q(-5, 3), qe = q(-4, 7)
        let x = tensor(16, 16, 3, qa)
        let table = (0..<768).map { i in qa.quantize((Float(i % 256) - 120) / 55) }
        let stem = tensor(8, 8, 8, qb), dw = tensor(8, 8, 8, qc), avg = tensor(8, 8, 8, qc)
        let maxNotSame = tensor(4, 4, 8, qc), maxSame = tensor(4, 4, 8, qc), sum = tensor(4, 4, 8, qd)
        let joined = tensor(4, 4, 16, qc), gAvg = tensor(1, 1, 16, qc), gMax = tensor(1, 1, 16, qc)
        let logits = tensor(4, 4, 5, qe), resized = tensor(16, 16, 5, qe)
        m.tensors.append(.init(height: 16, width: 16, channels: 1, type: .uint8, quantization: unit))
        let output = m.tensors.count - 1
        let twiceMax = 2 * max(qc.scale, qc.scale)
        m.ops = [
            .inputLookup(input: 0, output: x, table: table),
            try conv(x, stem, ConvGeometry(kernelH: 3, kernelW: 3, strideH: 2, strideW: 2, padH: 1, padW: 1), depthwise: false, bound: .relu6),
            try conv(stem, dw, ConvGeometry(kernelH: 3, kernelW: 3, padH: 2, padW: 2, dilationH: 2, dilationW: 2), depthwise: true, bound: .none),
            .pool(dw, output: avg, maximum: false, geometry: ConvGeometry(kernelH: 3, kernelW: 3, padH: 1, padW: 1)),
            .pool(avg, output: maxNotSame, maximum: true, geometry: ConvGeometry(kernelH: 3, kernelW: 3, strideH: 2, strideW: 2, padH: 1, padW: 1)),
            .pool(dw, output: maxSame, maximum: true, geometry: ConvGeometry(kernelH: 2, kernelW: 2, strideH: 2, strideW: 2)),
            .add(maxNotSame, maxSame, output: sum, leftShift: 20, input1: try quantizeMultiplier(qc.scale / twiceMax),
                 input2: try quantizeMultiplier(qc.scale / twiceMax), outputMultiplier: try quantizeMultiplier(twiceMax / (Double(1 << 20) * qd.scale)),
                 bounds: (-128, 127)),
            .concat([maxNotSame, maxSame], output: joined),
            .globalPool(joined, output: gAvg, maximum: false),
            .globalPool(joined, output: gMax, maximum: true),
            try conv(joined, logits, ConvGeometry(kernelH: 1, kernelW: 1), depthwise: false, bound: .none),
            .resize(logits, output: resized),
            .argMax(resized, output: output),
        ]
        m.input = 0
        m.output = output
        m.logits = resized
        let images = (0..<3).map { _ in (0..<(16 * 16 * 3)).map { _ in UInt8.random(in: 0...255, using: &rng) } }
        // Head 1 (above): the logits from the concatenation of the two max pools.
        try assertBitExact(m, images: images, rgbInput: false, "every op, head from the concatenation")

        // Only the outputs are compared, so each other op gets a head of its own.
        let trunk = Array(m.ops.prefix(10))
        func head(from source: Int, _ extra: [Int8Model.Op] = [], bound: ActivationBound, _ what: String, severalClasses: Bool = true) throws {
            var n = m
            let h = n.tensors[source].height, w = n.tensors[source].width
            n.tensors[logits] = .init(height: h, width: w, channels: 5, type: .int8, quantization: qe)
            m.tensors = n.tensors
            n.ops = trunk + extra + [try conv(source, logits, ConvGeometry(kernelH: 1, kernelW: 1), depthwise: false, bound: bound),
                                     .resize(logits, output: resized), .argMax(resized, output: output)]
            try assertBitExact(n, images: images, rgbInput: false, what, severalClasses: severalClasses)
        }
        // Head 2: the ADD, through a ReLU'd 1x1 convolution.
        try head(from: sum, bound: .relu, "every op, head from the add")
        // Head 3: both global pools (1x1 logits, resized to the whole map: one class per
        // image, so the 1x1 logits are what this head checks).
        m.tensors.append(.init(height: 1, width: 1, channels: 32, type: .int8, quantization: qc))
        let pooled = m.tensors.count - 1
        try head(from: pooled, [.concat([gAvg, gMax], output: pooled)], bound: .none, "every op, head from the global pools",
                 severalClasses: false)
    }

    /// What TFLite would compute differently is refused, not written.
    func testMismatchedParametersAreRefused() throws {
        let unit = ActivationQuantization(scale: 1, zeroPoint: 0)
        let qx = ActivationQuantization(range: -2, 2), qy = ActivationQuantization(range: -1, 3)
        var m = Int8Model()
        m.tensors = [.init(height: 4, width: 4, channels: 3, type: .uint8, quantization: unit),
                     .init(height: 4, width: 4, channels: 3, type: .int8, quantization: qx),
                     .init(height: 4, width: 4, channels: 2, type: .int8, quantization: qy),
                     .init(height: 4, width: 4, channels: 1, type: .uint8, quantization: unit)]
        let scales = [0.01, 0.02].map { Double(Float($0)) }
        var multipliers = try scales.map { try quantizeMultiplier(qx.scale * $0 / qy.scale) }
        func model(_ multipliers: [QuantizedMultiplier], scales: [Double], bounds: (Int32, Int32)) -> Int8Model {
            var n = m
            n.ops = [.inputLookup(input: 0, output: 1, table: [Int8](repeating: 0, count: 768)),
                     .conv(input: 1, output: 2, geometry: ConvGeometry(kernelH: 1, kernelW: 1), depthwise: false, bounds: bounds,
                           weights: [Int8](repeating: 1, count: 8), bias: [0, 0], foldedBias: [0, 0], multipliers: multipliers,
                           weightScales: scales),
                     .argMax(2, output: 3)]
            n.input = 0
            n.output = 3
            n.logits = 2
            return n
        }
        XCTAssertNoThrow(try TFLiteExporter.flatbuffer(model(multipliers, scales: scales, bounds: (-128, 127))))
        XCTAssertThrowsError(try TFLiteExporter.flatbuffer(model(multipliers, scales: [], bounds: (-128, 127)))) { e in
            XCTAssertTrue("\(e)".contains("no per-channel weight scales"), "\(e)")
        }
        multipliers[1].mantissa += 1
        XCTAssertThrowsError(try TFLiteExporter.flatbuffer(model(multipliers, scales: scales, bounds: (-128, 127)))) { e in
            XCTAssertTrue("\(e)".contains("channel 1: TFLite derives multiplier"), "\(e)")
        }
        multipliers[1].mantissa -= 1
        XCTAssertThrowsError(try TFLiteExporter.flatbuffer(model(multipliers, scales: scales, bounds: (-100, 127)))) { e in
            XCTAssertTrue("\(e)".contains("no fused activation"), "\(e)")
        }
        m.ops = [.inputLookup(input: 0, output: 1, table: [Int8](repeating: 0, count: 768))]
        m.output = 1
        XCTAssertThrowsError(try TFLiteExporter.flatbuffer(m)) { e in XCTAssertTrue("\(e)".contains("argmax"), "\(e)") }
    }

    /// The flatbuffer layout rules the verifier checks: root offset, identifier, aligned tables.
    func testFlatBufferLayout() {
        var inner = FlatTable()
        inner[1] = .int32(-7)
        var root = FlatTable()
        root[0] = .uint8(5)
        root[2] = .offset(.table(inner))
        root[3] = .offset(.vector(.int64([1, -2])))
        root[4] = .offset(.string("hi"))
        let b = FlatBuffer.write(root: root, identifier: "TEST")
        func u32(_ at: Int) -> UInt32 { (0..<4).reduce(0) { $0 | UInt32(b[at + $1]) << (8 * UInt32($1)) } }
        func u16(_ at: Int) -> Int { Int(b[at]) | Int(b[at + 1]) << 8 }
        XCTAssertEqual(Array(b[4..<8]), Array("TEST".utf8))
        let table = Int(u32(0))
        XCTAssertEqual(table % 4, 0)
        let vtable = table - Int(Int32(bitPattern: u32(table)))
        XCTAssertEqual(u16(vtable), 4 + 2 * 5)
        XCTAssertEqual(b[table + u16(vtable + 4)], 5)                 // slot 0
        XCTAssertEqual(u16(vtable + 6), 0)                             // slot 1 absent
        let innerField = table + u16(vtable + 8)
        let innerTable = innerField + Int(u32(innerField))
        let innerVtable = innerTable - Int(Int32(bitPattern: u32(innerTable)))
        XCTAssertEqual(Int32(bitPattern: u32(innerTable + u16(innerVtable + 6))), -7)
        let vectorField = table + u16(vtable + 10)
        let vector = vectorField + Int(u32(vectorField))
        XCTAssertEqual(u32(vector), 2)
        XCTAssertEqual((vector + 4) % 8, 0, "int64 elements 8-aligned")
        XCTAssertEqual(Int64(bitPattern: UInt64(u32(vector + 16)) << 32 | UInt64(u32(vector + 12))), -2)
        let stringField = table + u16(vtable + 12)
        let string = stringField + Int(u32(stringField))
        XCTAssertEqual(u32(string), 2)
        XCTAssertEqual(Array(b[(string + 4)..<(string + 7)]), [104, 105, 0])
    }
}
