import Foundation
import HardEngine

/// One training batch: images (N, 3, H, W) normalised, labels (N, H, W).
public struct Batch: @unchecked Sendable {
    public let images: Tensor
    public let labels: Labels
    /// Dataset indices of the items, in order (for logs and tests).
    public let indices: [Int]
}

/// Endless, deterministic, prefetched training batches.
///
/// Batch k is a pure function of (seed, k): the epoch order is a seeded permutation of the
/// dataset, and every item's augmentation draws from a generator seeded by (seed, position
/// in the stream). So a run resumed at iteration k sees exactly the batches an unbroken run
/// would have, whatever the thread timing. Worker threads build batches ahead into a buffer
/// of at most `prefetch` batches (bounded memory).
public final class BatchLoader: @unchecked Sendable {
    public let dataset: SegmentationDataset
    public let batchSize: Int
    public let augmentation: Augmentation
    public let seed: UInt64
    let prefetch: Int
    let workers: Int

    private let condition = NSCondition()
    private var ready: [Int: Result<Batch, Error>] = [:]
    private var nextToProduce: Int
    private var nextToConsume: Int
    private var stopped = false
    private var threads: [Thread] = []

    public init(dataset: SegmentationDataset, batchSize: Int, augmentation: Augmentation, seed: UInt64,
                startingAt iteration: Int = 0, prefetch: Int = 2, workers: Int = 1) {
        precondition(dataset.count > 0, "\(dataset.name) has no images")
        precondition(batchSize > 0 && prefetch > 0 && workers > 0, "invalid loader settings")
        self.dataset = dataset
        self.batchSize = batchSize
        self.augmentation = augmentation
        self.seed = seed
        self.prefetch = prefetch
        self.workers = workers
        nextToProduce = iteration
        nextToConsume = iteration
        for w in 0..<workers {
            let t = Thread { [weak self] in self?.work() }
            t.name = "hard.loader.\(w)"
            t.start()
            threads.append(t)
        }
    }

    deinit { stop() }

    /// Stops the workers (they finish the batch in hand).
    public func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }

    /// The next batch in order; rethrows a dataset error (which names the file).
    public func next() throws -> Batch {
        condition.lock()
        defer { condition.unlock() }
        let k = nextToConsume
        while ready[k] == nil { condition.wait() }
        let result = ready.removeValue(forKey: k)!
        nextToConsume += 1
        condition.broadcast()
        return try result.get()
    }

    private func work() {
        while true {
            condition.lock()
            while !stopped && nextToProduce - nextToConsume >= prefetch { condition.wait() }
            if stopped { condition.unlock(); return }
            let k = nextToProduce
            nextToProduce += 1
            condition.unlock()
            let result = Result { try makeBatch(k) }
            condition.lock()
            ready[k] = result
            condition.broadcast()
            condition.unlock()
        }
    }

    /// The dataset index at stream position p: epoch p / N, shuffled with (seed, epoch).
    public func datasetIndex(at position: Int) -> Int {
        let n = dataset.count
        let epoch = position / n
        var order = Array(0..<n)
        var g = SeededGenerator(seed: seed &+ UInt64(epoch) &* 0x9E37_79B9_7F4A_7C15)
        order.shuffle(using: &g)
        return order[position % n]
    }

    /// Batch k, built from stream positions k*B ..< (k+1)*B.
    public func makeBatch(_ k: Int) throws -> Batch {
        var images: [RGBImage] = [], labels: [UInt8] = [], indices: [Int] = []
        for j in 0..<batchSize {
            let position = k * batchSize + j
            let index = datasetIndex(at: position)
            let (image, label) = try dataset.sample(index)
            var g = SeededGenerator(seed: seed ^ (UInt64(position) &* 0xD1B5_4A32_D192_ED03) ^ 0xA5A5)
            let (img, lab) = augmentation.apply(image, label, rng: &g)
            images.append(img)
            labels += lab.values
            indices.append(index)
        }
        return Batch(images: Normalization.batch(images),
                     labels: Labels(shape: [batchSize, augmentation.cropHeight, augmentation.cropWidth], values: labels.map { Int32($0) }),
                     indices: indices)
    }
}
