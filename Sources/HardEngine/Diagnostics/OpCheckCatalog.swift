// The problems `OpChecks` runs: tiny shapes, seeded values, inputs kept away from the
// kinks of ReLU, ReLU6 and max so finite differences are meaningful.

extension OpChecks {
    /// Uniform values whose magnitude stays in [margin, 1] (away from ReLU's kink at 0).
    static func awayFromZero(_ shape: [Int], _ rng: inout SeededGenerator, margin: Float = 0.05) -> Tensor {
        let t = Tensor.uniform(shape, low: -1, high: 1, generator: &rng)
        for i in 0..<t.count {
            let v = t.pointer[i]
            t.pointer[i] = (v < 0 ? -1 : 1) * (margin + abs(v) * (1 - margin))
        }
        return t
    }

    /// Distinct values (a shuffled ramp) so every max-pool window has one clear maximum.
    static func distinct(_ shape: [Int], _ rng: inout SeededGenerator, step: Float = 0.1) -> Tensor {
        let n = shape.reduce(1, *)
        var values = (0..<n).map { Float($0) * step - Float(n) * step / 2 }
        values.shuffle(using: &rng)
        return Tensor(shape: shape, data: values)
    }

    static func uniform(_ shape: [Int], _ rng: inout SeededGenerator) -> Tensor {
        Tensor.uniform(shape, low: -1, high: 1, generator: &rng)
    }

    static func conv(_ name: String, x: [Int], w: [Int], bias: Bool, _ g: Conv2dGeometry) -> OpCheck {
        OpCheck(name: name, epsilon: 1e-2, makeInputs: { rng in
            var t = [uniform(x, &rng), uniform(w, &rng)]
            if bias { t.append(uniform([w[0]], &rng)) }
            return t
        }, apply: { t in conv2d(t[0], weight: t[1], bias: bias ? t[2] : nil, geometry: g) })
    }

    static func batchNormCheck(training: Bool) -> OpCheck {
        OpCheck(name: training ? "batch_norm_train" : "batch_norm_eval", epsilon: 1e-2, makeInputs: { rng in
            [uniform([2, 3, 4, 5], &rng), Tensor.uniform([3], low: 0.5, high: 1.5, generator: &rng), uniform([3], &rng)]
        }, apply: { t in
            let rm = Tensor(shape: [3], data: [0.1, -0.2, 0.05]), rv = Tensor(shape: [3], data: [0.9, 1.2, 0.7])
            return batchNorm(t[0], gamma: t[1], beta: t[2], runningMean: rm, runningVar: rv, training: training)
        })
    }

    static let all: [OpCheck] = [
        conv("conv2d", x: [2, 4, 7, 6], w: [5, 4, 3, 3], bias: true, Conv2dGeometry(stride: 1, padding: 1)),
        conv("conv2d_1x1_nobias", x: [2, 6, 5, 4], w: [3, 6, 1, 1], bias: false, Conv2dGeometry()),
        conv("conv2d_strided", x: [1, 3, 9, 8], w: [4, 3, 3, 3], bias: true, Conv2dGeometry(stride: 2, padding: 1)),
        conv("conv2d_grouped", x: [1, 4, 6, 6], w: [6, 2, 3, 3], bias: true, Conv2dGeometry(stride: 1, padding: 1, groups: 2)),
        conv("conv2d_depthwise_dilated", x: [2, 3, 9, 10], w: [3, 1, 3, 3], bias: true,
             Conv2dGeometry(stride: 1, padding: 2, dilation: 2, groups: 3)),
        conv("conv2d_depthwise_strided_dilated", x: [1, 4, 11, 9], w: [4, 1, 3, 3], bias: false,
             Conv2dGeometry(stride: 2, padding: 3, dilation: 3, groups: 4)),
        // DAP's atrous filter on a small 1/8 map: the dilated kernel reaches past the input.
        conv("conv2d_depthwise_dilation8_wide_padding", x: [2, 3, 6, 8], w: [3, 1, 3, 3], bias: false,
             Conv2dGeometry(stride: 1, padding: 8, dilation: 8, groups: 3)),
        conv("conv2d_strided_dilated", x: [2, 4, 12, 16], w: [6, 4, 3, 3], bias: false,
             Conv2dGeometry(stride: 2, padding: 2, dilation: 2, groups: 1)),
        batchNormCheck(training: true),
        batchNormCheck(training: false),
        OpCheck(name: "relu", epsilon: 1e-2, makeInputs: { rng in [awayFromZero([2, 3, 4, 4], &rng)] },
                apply: { t in relu(t[0]) }),
        OpCheck(name: "relu6", epsilon: 1e-2, makeInputs: { rng in
            // Values in (-1, 0) U (0, 5) U (7, 8): clear of both kinks.
            let t = awayFromZero([2, 3, 4, 4], &rng)
            for i in 0..<t.count where t.pointer[i] > 0 { t.pointer[i] = i % 3 == 0 ? 7 + t.pointer[i] : 5 * t.pointer[i] }
            return [t]
        }, apply: { t in relu6(t[0]) }),
        OpCheck(name: "add", epsilon: 1e-2, makeInputs: { rng in [uniform([2, 3, 4, 5], &rng), uniform([2, 3, 4, 5], &rng)] },
                apply: { t in add(t[0], t[1]) }),
        OpCheck(name: "scale", epsilon: 1e-2, makeInputs: { rng in [uniform([2, 3, 4, 5], &rng)] },
                apply: { t in scaled(t[0], by: -1.7) }),
        OpCheck(name: "concat", epsilon: 1e-2, makeInputs: { rng in
            [uniform([2, 2, 3, 4], &rng), uniform([2, 3, 3, 4], &rng), uniform([2, 1, 3, 4], &rng)]
        }, apply: { t in concatChannels(t) }),
        OpCheck(name: "slice", epsilon: 1e-2, makeInputs: { rng in [uniform([2, 6, 3, 4], &rng)] },
                apply: { t in sliceChannels(t[0], start: 2, count: 3) }),
        OpCheck(name: "resize_bilinear_up", epsilon: 1e-2, makeInputs: { rng in [uniform([1, 2, 5, 7], &rng)] },
                apply: { t in resizeBilinear(t[0], height: 8, width: 11) }),
        OpCheck(name: "resize_bilinear_down", epsilon: 1e-2, makeInputs: { rng in [uniform([1, 2, 9, 13], &rng)] },
                apply: { t in resizeBilinear(t[0], height: 4, width: 5) }),
        OpCheck(name: "avg_pool_wide_window", epsilon: 1e-2, makeInputs: { rng in [uniform([2, 3, 12, 16], &rng)] },
                apply: { t in avgPool2d(t[0], Pool2dGeometry(kernel: 9, stride: 4, padding: 4)) }),
        OpCheck(name: "max_pool_wide_window", epsilon: 1e-2, makeInputs: { rng in [distinct([2, 3, 12, 16], &rng)] },
                apply: { t in maxPool2d(t[0], Pool2dGeometry(kernel: 9, stride: 4, padding: 4)) }),
        OpCheck(name: "resize_bilinear_broadcast", epsilon: 1e-2, makeInputs: { rng in [uniform([2, 3, 1, 1], &rng)] },
                apply: { t in resizeBilinear(t[0], height: 5, width: 7) }),
        OpCheck(name: "avg_pool", epsilon: 1e-2, makeInputs: { rng in [uniform([1, 2, 7, 8], &rng)] },
                apply: { t in avgPool2d(t[0], Pool2dGeometry(kernel: 3, stride: 2, padding: 1)) }),
        OpCheck(name: "max_pool", epsilon: 1e-2, makeInputs: { rng in [distinct([1, 2, 7, 8], &rng)] },
                apply: { t in maxPool2d(t[0], Pool2dGeometry(kernel: 3, stride: 2, padding: 1)) }),
        OpCheck(name: "global_avg_pool", epsilon: 1e-2, makeInputs: { rng in [uniform([2, 3, 5, 6], &rng)] },
                apply: { t in globalAvgPool(t[0]) }),
        OpCheck(name: "global_max_pool", epsilon: 1e-2, makeInputs: { rng in [distinct([2, 3, 5, 6], &rng)] },
                apply: { t in globalMaxPool(t[0]) }),
        OpCheck(name: "cross_entropy", epsilon: 1e-2, makeInputs: { rng in [uniform([2, 4, 3, 5], &rng)] }, apply: { t in
            // Every 5th pixel ignored; class weights as for a class-balanced loss.
            let labels = Labels(shape: [2, 3, 5], values: (0..<30).map { $0 % 5 == 4 ? 255 : Int32($0 % 4) })
            return crossEntropy(t[0], labels, classWeights: [0.5, 1.0, 1.5, 2.0])
        }),
        OpCheck(name: "sum", epsilon: 1e-2, makeInputs: { rng in [uniform([2, 3, 4, 5], &rng)] }, apply: { t in sum(t[0]) }),
        OpCheck(name: "mean", epsilon: 1e-2, makeInputs: { rng in [uniform([2, 3, 4, 5], &rng)] }, apply: { t in mean(t[0]) }),
    ]
}
