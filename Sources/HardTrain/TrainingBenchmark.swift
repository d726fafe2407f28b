import Foundation
import HardEngine
import HardModels
import HardNN

/// The time of one training iteration without data loading: forward in train mode (with
/// HARD-GPU's auxiliary heads), the losses of Eq. 7, backward, one AdamW update, on one
/// fixed random batch. What `hard bench-train` prints, and what the checked-vs-unchecked and
/// hard-vs-PyTorch comparisons time (docs/benchmarks.md).
public enum TrainingBenchmark {
    public struct Result: Codable, Sendable {
        public let model: String
        public let batch: Int
        public let height: Int
        public let width: Int
        public let threads: Int
        /// Median over the timed iterations.
        public let msPerIteration: Double
        public let imagesPerSecond: Double
        public let iterations: Int

        enum CodingKeys: String, CodingKey {
            case model, batch, height, width, threads, iterations
            case msPerIteration = "ms_per_iteration", imagesPerSecond = "images_per_second"
        }
    }

    /// Refuses (MemoryError) a batch and size that cannot fit before allocating anything.
    public static func run(_ variant: Variant, classes: Int, batch: Int, height: Int, width: Int, threads: Int,
                           warmup: Int = 2, iterations: Int = 5) throws -> Result {
        try MemoryEstimate.check(.training, variant: variant, classes: classes, height: height, width: width, batch: batch)
        EngineThreads.set(threads)
        let model = Zoo.make(variant, classes: classes, seed: 0)
        model.train()
        let optimizer = AdamW(parameters: model.parameters(), learningRate: 1e-3, weightDecay: 1e-4)
        var rng = SeededGenerator(seed: 1)
        let images = Tensor.normal([batch, 3, height, width], generator: &rng)   // (N, 3, H, W)
        // Labels (N, H, W): every class, and a tenth of the pixels ignored (255), as real masks.
        let values = (0..<(batch * height * width)).map { _ -> Int32 in
            let r = rng.next()
            return r % 10 == 0 ? 255 : Int32(truncatingIfNeeded: (r >> 8) % UInt64(classes))
        }
        let labels = Labels(shape: [batch, height, width], values: values)
        func step() {
            let (total, _, _) = Trainer.loss(model.outputs(images), labels, auxWeight: 0.3)
            total.backward()
            optimizer.update()
        }
        for _ in 0..<warmup { step() }
        var samples: [Double] = []
        for _ in 0..<iterations {
            let t0 = DispatchTime.now().uptimeNanoseconds
            step()
            samples.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
        }
        samples.sort()
        let median = samples[samples.count / 2]
        return Result(model: variant.rawValue, batch: batch, height: height, width: width, threads: threads,
                      msPerIteration: median, imagesPerSecond: Double(batch) * 1000 / median, iterations: iterations)
    }
}
