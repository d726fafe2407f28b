import CTurboJPEG
import Foundation
import HardEngine
import HardMicro
import HardModels
import HardNN
import HardTrain
import XCTest
@testable import HardData
@testable import HardFuzzTargets
@testable import HardDeploy

/// Writes the seed corpora under Fuzz/corpus/<target>/ (Fuzz/make-seeds.sh runs it with
/// HARD_FUZZ_WRITE_SEEDS=1; otherwise it is skipped). Every seed is small and shows the
/// fuzzer one shape of valid input (or a near miss the reader must refuse): each colour type
/// and bit depth of PNG, interlaced and not; baseline and progressive JPEG in every common
/// subsampling; safetensors with scalars, empty and several tensors; the example configs;
/// int8 blobs that use every op.
final class SeedCorpusWriter: XCTestCase {
    func testWriteSeedCorpus() throws {
        guard ProcessInfo.processInfo.environment["HARD_FUZZ_WRITE_SEEDS"] == "1" else {
            throw XCTSkip("set HARD_FUZZ_WRITE_SEEDS=1 to rewrite Fuzz/corpus (Fuzz/make-seeds.sh)")
        }
        let seeds: [FuzzTarget: [(String, [UInt8])]] = [
            .png: try pngSeeds(), .jpeg: jpegSeeds(), .safetensors: try safetensorsSeeds(),
            .config: try configSeeds(), .blob: try blobSeeds(),
        ]
        let fm = FileManager.default
        // The .mat seeds come from Tests/HardDataTests/MatFileTests.swift (its MAT writer), the
        // video seeds from Fuzz/make-video-seeds.sh (the ffmpeg CLI).
        for (target, files) in seeds {
            let folder = FuzzFolder.corpus.appendingPathComponent(target.rawValue)
            try? fm.removeItem(at: folder)
            try fm.createDirectory(at: folder, withIntermediateDirectories: true)
            var total = 0
            for (name, bytes) in files {
                try Data(bytes).write(to: folder.appendingPathComponent(name))
                target.run(bytes)
                // Near misses say so in their names; every other seed is valid input.
                let refusedByDesign = ["refused", "16.png", "unknown-key", "duplicate-key"].contains { name.contains($0) }
                XCTAssertEqual(try accepts(target, bytes), !refusedByDesign, "\(target.rawValue)/\(name)")
                total += bytes.count
            }
            XCTAssertLessThan(total, 200_000, "\(target) corpus must stay small")
            print("seeds \(target.rawValue): \(files.count) files, \(total) bytes")
        }
    }

    /// Whether the target's reader accepts `bytes` (the seeds' check, without the fuzz wrappers).
    func accepts(_ target: FuzzTarget, _ bytes: [UInt8]) throws -> Bool {
        switch target {
        case .png, .jpeg: return (try? ImageFile.decodeRGB(bytes, name: "seed")) != nil
        case .safetensors: return (try? SafeTensors.decode(Data(bytes))) != nil
        case .config:
            let text = String(decoding: bytes, as: UTF8.self)
            let path = text.hasPrefix("{") ? "seed.json" : "seed.yaml"
            return (try? TrainConfig.parse(Data(bytes), path: path)) != nil
        case .blob:
            let blob = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: 16)
            defer { blob.deallocate() }
            bytes.withUnsafeBytes { blob.copyMemory(from: $0) }
            guard let model = try? MicroModel(blob: UnsafeRawBufferPointer(blob)) else { return false }
            XCTAssertLessThanOrEqual(estimatedWork(model), maxRunWork, "a seed blob small enough to run")
            return true
        case .mat:
            return (try? MatFile.readLabelMatrix(bytes, variable: "S", file: "seed")) != nil
        case .video:
            return true   // seeds written by Fuzz/make-video-seeds.sh with the ffmpeg CLI
        }
    }

    // MARK: PNG

    func pngSeeds() throws -> [(String, [UInt8])] {
        func samples(_ w: Int, _ h: Int, _ channels: Int, max top: Int) -> [Int] {
            var values: [Int] = []
            for i in 0..<(w * h * channels) {
                let v: Int = i * 7 + (i / channels) * 3
                values.append(v % (top + 1))
            }
            return values
        }
        var palette: [RGBColor] = []
        for i in 0..<16 {
            let k = UInt8(i)
            palette.append(RGBColor(k * 16, 255 - k * 16, k * 5))
        }
        var seeds: [(String, [UInt8])] = [
            ("gray1.png", SeedPNG.png(width: 9, height: 5, bitDepth: 1, colorType: 0, samples: samples(9, 5, 1, max: 1))),
            ("gray2-interlaced.png", SeedPNG.png(width: 7, height: 6, bitDepth: 2, colorType: 0,
                                                 samples: samples(7, 6, 1, max: 3), interlaced: true)),
            ("gray4.png", SeedPNG.png(width: 5, height: 3, bitDepth: 4, colorType: 0, samples: samples(5, 3, 1, max: 15))),
            ("gray8-trns.png", SeedPNG.png(width: 6, height: 4, bitDepth: 8, colorType: 0, samples: samples(6, 4, 1, max: 255),
                                           trns: [0, 7])),
            ("gray16.png", SeedPNG.png(width: 4, height: 4, bitDepth: 16, colorType: 0, samples: samples(4, 4, 1, max: 255))),
            ("grayalpha8.png", SeedPNG.png(width: 5, height: 5, bitDepth: 8, colorType: 4, samples: samples(5, 5, 2, max: 255))),
            ("rgb8.png", SeedPNG.png(width: 6, height: 5, bitDepth: 8, colorType: 2, samples: samples(6, 5, 3, max: 255))),
            ("rgb8-interlaced.png", SeedPNG.png(width: 9, height: 9, bitDepth: 8, colorType: 2,
                                                samples: samples(9, 9, 3, max: 255), interlaced: true)),
            ("rgb16.png", SeedPNG.png(width: 3, height: 3, bitDepth: 16, colorType: 2, samples: samples(3, 3, 3, max: 255))),
            ("rgba8.png", SeedPNG.png(width: 4, height: 3, bitDepth: 8, colorType: 6, samples: samples(4, 3, 4, max: 255))),
            ("palette1.png", SeedPNG.png(width: 10, height: 3, bitDepth: 1, colorType: 3, samples: samples(10, 3, 1, max: 1),
                                         palette: Array(palette.prefix(2)))),
            ("palette4-trns.png", SeedPNG.png(width: 7, height: 4, bitDepth: 4, colorType: 3, samples: samples(7, 4, 1, max: 15),
                                              palette: palette, trns: [0, 128, 255])),
            ("palette8-interlaced.png", SeedPNG.png(width: 8, height: 8, bitDepth: 8, colorType: 3,
                                                    samples: samples(8, 8, 1, max: 15), palette: palette, interlaced: true)),
            ("pixel.png", SeedPNG.png(width: 1, height: 1, bitDepth: 8, colorType: 2, samples: [200, 100, 50])),
        ]
        // libpng's own output: real deflate and every row filter.
        var rng = SplitMix64(seed: 7)
        let w = 24, h = 16
        var rgb: [UInt8] = []
        for i in 0..<(w * h * 3) {
            let x: Int = i % (w * 3), y: Int = i / (w * 3)
            rgb.append(UInt8(truncatingIfNeeded: x * 5 + y * 9 + Int(rng.next() % 8)))
        }
        seeds.append(("libpng-rgb.png", try ImageFile.encodePNG(RGBImage(width: w, height: h, pixels: rgb))))
        var classes: [UInt8] = []
        for i in 0..<(w * h) {
            let x: Int = i % w, y: Int = i / w
            classes.append(UInt8(x / 6 + (y / 8) * 4))
        }
        let labels = LabelMap(width: w, height: h, values: classes)
        seeds.append(("libpng-gray-labels.png", try ImageFile.encodeLabelPNG(labels, palette: nil, name: "seed")))
        seeds.append(("libpng-palette-labels.png", try ImageFile.encodeLabelPNG(labels, palette: Array(palette.prefix(8)), name: "seed")))
        return seeds
    }

    // MARK: JPEG

    func jpegSeeds() -> [(String, [UInt8])] {
        func jpeg(_ w: Int, _ h: Int, subsampling: TJSAMP, quality: Int32, progressive: Bool = false) -> [UInt8] {
            let gray = subsampling == TJSAMP_GRAY
            let channels = gray ? 1 : 3
            var pixels: [UInt8] = []
            for i in 0..<(w * h * channels) {
                let p: Int = i / channels, x: Int = p % w, y: Int = p / w
                let checker: Int = ((x / 4 + y / 4) % 2) * 90
                pixels.append(UInt8(truncatingIfNeeded: x * 11 + y * 7 + (i % channels) * 60 + checker))
            }
            let handle = tjInitCompress()!
            defer { tjDestroy(handle) }
            var buffer: UnsafeMutablePointer<UInt8>?
            var size: UInt = 0
            let format = Int32(gray ? TJPF_GRAY.rawValue : TJPF_RGB.rawValue)
            let flags = progressive ? TJFLAG_PROGRESSIVE : 0
            let status = pixels.withUnsafeBufferPointer {
                tjCompress2(handle, $0.baseAddress, Int32(w), 0, Int32(h), format, &buffer, &size,
                            Int32(subsampling.rawValue), quality, flags)
            }
            precondition(status == 0, "tjCompress2 failed")
            defer { tjFree(buffer) }
            return Array(UnsafeBufferPointer(start: buffer, count: Int(size)))
        }
        return [
            ("rgb444-q90.jpg", jpeg(16, 16, subsampling: TJSAMP_444, quality: 90)),
            ("rgb422-q75.jpg", jpeg(23, 17, subsampling: TJSAMP_422, quality: 75)),
            ("rgb420-q50.jpg", jpeg(33, 9, subsampling: TJSAMP_420, quality: 50)),
            ("rgb440-q80.jpg", jpeg(8, 24, subsampling: TJSAMP_440, quality: 80)),
            ("rgb411-q60.jpg", jpeg(40, 8, subsampling: TJSAMP_411, quality: 60)),
            ("gray-q85.jpg", jpeg(13, 11, subsampling: TJSAMP_GRAY, quality: 85)),
            ("rgb420-progressive.jpg", jpeg(32, 24, subsampling: TJSAMP_420, quality: 70, progressive: true)),
            ("gray-progressive.jpg", jpeg(17, 17, subsampling: TJSAMP_GRAY, quality: 90, progressive: true)),
            ("pixel.jpg", jpeg(1, 1, subsampling: TJSAMP_444, quality: 95)),
        ]
    }

    // MARK: safetensors

    func safetensorsSeeds() throws -> [(String, [UInt8])] {
        func tensor(_ shape: [Int], _ start: Float) -> Tensor {
            let n = shape.reduce(1, *)
            return Tensor(shape: shape, data: (0..<n).map { start + Float($0) * 0.25 })
        }
        func bytes(_ tensors: [(String, Tensor)], _ metadata: [String: String] = [:]) throws -> [UInt8] {
            [UInt8](try SafeTensors.encode(tensors, metadata: metadata))
        }
        // A header naming a dtype the reader refuses, with correct offsets otherwise.
        var f16 = Array(#"{"w":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}}"#.utf8)
        while f16.count % 8 != 0 { f16.append(0x20) }
        let f16File = withUnsafeBytes(of: UInt64(f16.count).littleEndian) { Array($0) } + f16 + [0, 60, 0, 64]
        return [
            ("empty.safetensors", try bytes([])),
            ("metadata-only.safetensors", try bytes([], ["format": "pt", "model": "hard-edge"])),
            ("one.safetensors", try bytes([("conv.weight", tensor([2, 3, 1, 1], -1))], ["format": "pt"])),
            ("scalar-and-empty.safetensors", try bytes([("step", Tensor(scalar: 42)), ("none", tensor([0, 4], 0))])),
            ("several.safetensors", try bytes([("a.bias", tensor([4], 0.5)), ("b.weight", tensor([4, 1, 3, 3], 2)),
                                               ("bn.running_var", tensor([4], 1))])),
            ("f16-refused.safetensors", f16File),
        ]
    }

    // MARK: configs

    func configSeeds() throws -> [(String, [UInt8])] {
        let configs = FuzzFolder.root.appendingPathComponent("configs")
        var seeds: [(String, [UInt8])] = []
        for name in try FileManager.default.contentsOfDirectory(atPath: configs.path).sorted() {
            seeds.append((name, [UInt8](try Data(contentsOf: configs.appendingPathComponent(name)))))
        }
        let extra: [(String, String)] = [
            ("empty-mapping.json", "{}\n"),
            ("every-key.yaml", """
                model: hard-s
                dataset: {kind: folder, root: /data/own, train_split: train, val_split: val,
                          synth_train_images: 10, synth_val_images: 2, synth_width: 64, synth_height: 48, synth_seed: 3}
                iterations: 100
                batch_size: 2
                crop_height: 32
                crop_width: 48
                scale_min: 0.5
                scale_max: 2.0
                flip: 0.5
                photometric: 0.1
                lr_start: 1.0e-5
                lr_peak: 0.01
                lr_end: 1.0e-5
                warmup: 10
                weight_decay: 0.0001
                aux_weight: 0.3
                val_interval: 50
                val_images: 8
                checkpoint_interval: 25
                log_interval: 5
                seed: 18446744073709551615
                output: "runs/every key"
                loader_workers: 2

                """),
            ("anchors.yaml", """
                # anchors, aliases, block scalars and a document marker
                ---
                model: &m hard-xxs
                dataset: &d
                  kind: synthstreets
                  synth_width: 32
                  synth_height: 32
                iterations: 20
                output: >-
                  runs/folded
                crop_height: 16
                crop_width: 16
                ...

                """),
            ("unknown-key.yaml", "model: hard-xxs\niteratons: 10\n"),
            ("duplicate-key.json", #"{"model": "hard-xxs", "model": "hard-s"}"# + "\n"),
        ]
        for (name, text) in extra { seeds.append((name, Array(text.utf8))) }
        return seeds
    }

    // MARK: int8 blobs

    func blobSeeds() throws -> [(String, [UInt8])] {
        [
            ("dense-conv-argmax.hrdq", try TinyBlobs.denseConv().blob()),
            ("depthwise-pool-resize.hrdq", try TinyBlobs.depthwisePoolResize().blob()),
            ("add-concat-global.hrdq", try TinyBlobs.addConcatGlobal().blob()),
            ("hard-edge-16x16.hrdq", try TinyBlobs.hardEdge(side: 16).blob()),
        ]
    }
}

/// Hand-built int8 graphs, a few tensors each, that between them use every op code.
enum TinyBlobs {
    typealias Info = Int8Model.TensorInfo

    static func q(_ scale: Double, _ zeroPoint: Int32) -> ActivationQuantization {
        ActivationQuantization(scale: scale, zeroPoint: zeroPoint)
    }

    static func rgb(_ h: Int, _ w: Int) -> Info { Info(height: h, width: w, channels: 3, type: .uint8, quantization: q(1, 0)) }
    static func classes(_ h: Int, _ w: Int) -> Info { Info(height: h, width: w, channels: 1, type: .uint8, quantization: q(1, 0)) }
    static func int8(_ h: Int, _ w: Int, _ c: Int, _ quantization: ActivationQuantization = q(0.05, -3)) -> Info {
        Info(height: h, width: w, channels: c, type: .int8, quantization: quantization)
    }

    /// Normalises each channel's 0...255 to int8, as the quantizer's input table does.
    static var lookupTable: [Int8] {
        (0..<768).map { Int8(truncatingIfNeeded: ($0 % 256) - 128) }
    }

    static func weights(_ count: Int, seed: UInt64) -> [Int8] {
        var rng = SplitMix64(seed: seed)
        return (0..<count).map { _ in Int8(truncatingIfNeeded: Int(rng.next() % 31) - 15) }
    }

    static func conv(_ input: Int, _ output: Int, cin: Int, cout: Int, kernel: Int, stride: Int = 1, pad: Int,
                     depthwise: Bool, inputZeroPoint: Int32, seed: UInt64) throws -> Int8Model.Op {
        let row = depthwise ? kernel * kernel : denseRowBytes(kernelH: kernel, kernelW: kernel, inputChannels: cin)
        var w = [Int8](repeating: 0, count: depthwise ? kernel * kernel * cout : cout * row)
        let values = weights(w.count, seed: seed)
        if depthwise {
            w = values
        } else {
            for o in 0..<cout { for k in 0..<(kernel * kernel * cin) { w[o * row + k] = values[o * row + k] } }
        }
        let bias = (0..<cout).map { Int32($0 * 10 - 5) }
        var folded = bias
        if !depthwise {
            for o in 0..<cout {
                let sum = w[(o * row)..<(o * row + row)].reduce(Int32(0)) { $0 + Int32($1) }
                folded[o] = bias[o] - inputZeroPoint * sum
            }
        }
        let multipliers = try (0..<cout).map { try quantizeMultiplier(0.002 * Double($0 + 1)) }
        return .conv(input: input, output: output,
                     geometry: ConvGeometry(kernelH: kernel, kernelW: kernel, strideH: stride, strideW: stride, padH: pad, padW: pad),
                     depthwise: depthwise, bounds: (-128, 127), weights: w, bias: bias, foldedBias: folded, multipliers: multipliers)
    }

    /// RGB 4x4 -> lookup -> dense 3x3 conv (4 channels) -> argmax.
    static func denseConv() throws -> Int8Model {
        var m = Int8Model()
        m.tensors = [rgb(4, 4), int8(4, 4, 3, q(0.02, 0)), int8(4, 4, 4), classes(4, 4)]
        m.ops = [.inputLookup(input: 0, output: 1, table: lookupTable),
                 try conv(1, 2, cin: 3, cout: 4, kernel: 3, pad: 1, depthwise: false, inputZeroPoint: 0, seed: 1),
                 .argMax(2, output: 3)]
        m.input = 0; m.output = 3; m.logits = 2
        return m
    }

    /// RGB 8x8 -> lookup -> depthwise 3x3 stride 2 -> max pool 2x2 -> average pool 3x3 pad 1
    /// -> bilinear resize to 8x8 -> argmax (fused with the resize by the runtime).
    static func depthwisePoolResize() throws -> Int8Model {
        var m = Int8Model()
        let a = q(0.03, 5)
        m.tensors = [rgb(8, 8), int8(8, 8, 3, q(0.02, 0)), int8(4, 4, 3, a), int8(2, 2, 3, a), int8(2, 2, 3, a),
                     int8(8, 8, 3, a), classes(8, 8)]
        m.ops = [.inputLookup(input: 0, output: 1, table: lookupTable),
                 try conv(1, 2, cin: 3, cout: 3, kernel: 3, stride: 2, pad: 1, depthwise: true, inputZeroPoint: 0, seed: 2),
                 .pool(2, output: 3, maximum: true, geometry: ConvGeometry(kernelH: 2, kernelW: 2, strideH: 2, strideW: 2)),
                 .pool(3, output: 4, maximum: false, geometry: ConvGeometry(kernelH: 3, kernelW: 3, padH: 1, padW: 1)),
                 .resize(4, output: 5),
                 .argMax(5, output: 6)]
        m.input = 0; m.output = 6; m.logits = 5
        return m
    }

    /// RGB 4x4 -> lookup -> 1x1 conv -> (conv, conv) -> add -> concat with the first conv ->
    /// global max pool and global average pool -> resize back -> add -> argmax.
    static func addConcatGlobal() throws -> Int8Model {
        var m = Int8Model()
        let a = q(0.04, -2)
        m.tensors = [rgb(4, 4), int8(4, 4, 3, q(0.02, 0)),
                     int8(4, 4, 4, a), int8(4, 4, 4, a), int8(4, 4, 4, a),   // 2, 3, 4
                     int8(4, 4, 8, a),                                         // 5 concat
                     int8(1, 1, 8, a), int8(1, 1, 8, a),                       // 6, 7 global pools
                     int8(4, 4, 8, a), int8(4, 4, 8, a),                       // 8, 9 resized
                     int8(4, 4, 8, a), classes(4, 4)]                          // 10 add, 11 out
        let half = try quantizeMultiplier(0.5), out = try quantizeMultiplier(1.0 / Double(1 << 20))
        func add(_ x: Int, _ y: Int, _ o: Int) -> Int8Model.Op {
            .add(x, y, output: o, leftShift: 20, input1: half, input2: half, outputMultiplier: out, bounds: (-128, 127))
        }
        m.ops = [.inputLookup(input: 0, output: 1, table: lookupTable),
                 try conv(1, 2, cin: 3, cout: 4, kernel: 1, pad: 0, depthwise: false, inputZeroPoint: 0, seed: 3),
                 try conv(2, 3, cin: 4, cout: 4, kernel: 3, pad: 1, depthwise: false, inputZeroPoint: -2, seed: 4),
                 add(2, 3, 4),
                 .concat([4, 2], output: 5),
                 .globalPool(5, output: 6, maximum: true),
                 .globalPool(5, output: 7, maximum: false),
                 .resize(6, output: 8),
                 .resize(7, output: 9),
                 add(8, 9, 10),
                 .argMax(10, output: 11)]
        m.input = 0; m.output = 11; m.logits = 10
        return m
    }

    /// An untrained HARD-Edge, calibrated on noise: the quantizer's real output.
    static func hardEdge(side: Int) throws -> Int8Model {
        let net = Zoo.make(.edge, classes: 11, seed: 3)
        let graph = try Graph.trace(net, height: side, width: side).inferenceReady()
        var calibrator = RangeCalibrator(valueCount: graph.shapes.count, method: .minMax)
        var rng = SeededGenerator(seed: 9)
        for _ in 0..<2 { calibrator.observe(graph, input: Tensor.normal([1, 3, side, side], generator: &rng)) }
        return try Quantizer(graph: graph, calibrator: calibrator).int8Model()
    }
}

/// PNG files assembled chunk by chunk (stored deflate blocks, filter 0), so the seeds cover
/// bit depths, colour types and Adam7 interlacing that the project's own encoder never writes.
enum SeedPNG {
    /// `samples`: row-major, interleaved channels, each below 2^bitDepth (16-bit: 0...255,
    /// stored in both bytes).
    static func png(width: Int, height: Int, bitDepth: Int, colorType: UInt8, samples: [Int],
                    palette: [RGBColor] = [], trns: [UInt8]? = nil, interlaced: Bool = false) -> [UInt8] {
        let channels = [0: 1, 2: 3, 3: 1, 4: 2, 6: 4][Int(colorType)]!
        precondition(samples.count == width * height * channels)
        // Adam7 passes as (first x, first y, step x, step y); one pass covering all when not interlaced.
        let passes = interlaced
            ? [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
            : [(0, 0, 1, 1)]
        var filtered: [UInt8] = []
        for (x0, y0, dx, dy) in passes {
            let columns = Array(stride(from: x0, to: width, by: dx))
            for y in stride(from: y0, to: height, by: dy) where !columns.isEmpty {
                filtered.append(0)
                var row: [Int] = []
                for x in columns { row += samples[((y * width + x) * channels)..<((y * width + x + 1) * channels)] }
                filtered += pack(row, bitDepth: bitDepth)
            }
        }
        var header = be32(UInt32(width)) + be32(UInt32(height))
        header += [UInt8(bitDepth), colorType, 0, 0, interlaced ? 1 : 0]
        var file: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + chunk("IHDR", header)
        if !palette.isEmpty { file += chunk("PLTE", palette.flatMap { [$0.r, $0.g, $0.b] }) }
        if let trns { file += chunk("tRNS", trns) }
        file += chunk("IDAT", zlib(filtered)) + chunk("IEND", [])
        return file
    }

    static func pack(_ samples: [Int], bitDepth: Int) -> [UInt8] {
        if bitDepth == 8 { return samples.map { UInt8($0) } }
        if bitDepth == 16 { return samples.flatMap { [UInt8($0), UInt8($0)] } }
        var out: [UInt8] = []
        var bits = 0, filled = 0
        for s in samples {
            bits = bits << bitDepth | s
            filled += bitDepth
            if filled == 8 { out.append(UInt8(bits)); bits = 0; filled = 0 }
        }
        if filled > 0 { out.append(UInt8(bits << (8 - filled))) }
        return out
    }

    static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let body = Array(type.utf8) + data
        return be32(UInt32(data.count)) + body + be32(body.withUnsafeBytes { crc32($0) })
    }

    static func be32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (24 - 8 * UInt32($0))) } }

    /// A zlib stream of one stored deflate block (the seeds are far below 64 KiB).
    static func zlib(_ data: [UInt8]) -> [UInt8] {
        precondition(data.count <= 65535)
        let n = data.count
        var a: UInt32 = 1, b: UInt32 = 0
        for byte in data { a = (a + UInt32(byte)) % 65521; b = (b + a) % 65521 }
        return [0x78, 0x01, 1, UInt8(n & 0xFF), UInt8(n >> 8), UInt8(~n & 0xFF), UInt8((~n >> 8) & 0xFF)] + data + be32(b << 16 | a)
    }
}

/// SplitMix64: deterministic seed contents on every platform.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
