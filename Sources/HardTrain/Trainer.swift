import Foundation
import HardData
import HardEngine
import HardModels
import HardNN

/// The training loop of the paper's recipe: AdamW, warm-up + cosine LR, cross-entropy with
/// ignore index 255 plus the extra semantic loss on HARD-GPU's auxiliary heads (Eq. 7),
/// periodic validation, atomic checkpoints (`checkpoint.safetensors` to resume,
/// `best.safetensors` and `last.safetensors` + JSON as model checkpoints), a JSON-lines log
/// and a TensorBoard events file (`TensorBoardLog`).
public final class Trainer {
    public let config: TrainConfig
    public let model: HARDNetwork
    public let optimizer: AdamW
    public let schedule: WarmupCosineSchedule
    let trainSet: SegmentationDataset
    let valSet: SegmentationDataset
    public private(set) var state: TrainingState
    /// What `init_from` loaded (nil without it, and on resume: the state holds the weights).
    public private(set) var transfer: WeightTransferReport?
    /// Classification (pretraining): the same sets, seen as image-class datasets.
    let trainClasses: ImageClassDataset?
    let valClasses: ImageClassDataset?
    let outputDir: URL
    /// `OUTPUT/.lock`, held while this trainer lives: one run per output folder.
    let lock: OutputLock
    /// The cross-entropy's class weights (`class_weights`; `auto` resolved from the training
    /// labels), nil for none.
    public let classWeights: [Float]?

    public var statePath: String { outputDir.appendingPathComponent("checkpoint.safetensors").path }
    public var bestPath: String { outputDir.appendingPathComponent("best.safetensors").path }
    public var lastPath: String { outputDir.appendingPathComponent("last.safetensors").path }
    public var logPath: String { outputDir.appendingPathComponent("train.jsonl").path }

    /// Sets up a run in `config.output`; with `resume`, restores the state saved there.
    /// The folder is locked for the trainer's life (a second trainer on it is refused),
    /// temporary files that killed runs left there are removed, and no file the run writes
    /// may be one of `inputs` (the configuration file).
    public init(config: TrainConfig, trainSet: SegmentationDataset, valSet: SegmentationDataset, resume: Bool,
                inputs: [OutputGuard.Input] = []) throws {
        try config.validate()
        guard trainSet.classCount == valSet.classCount else {
            throw ConfigError("train (\(trainSet.classCount)) and val (\(valSet.classCount)) class counts differ")
        }
        let task = config.modelTask!
        if task == .classification {
            guard let t = trainSet as? ImageClassDataset, let v = valSet as? ImageClassDataset else {
                throw ConfigError("task classification needs image-class datasets (dataset kind imagenet)")
            }
            guard t.classNames == v.classNames else {
                let extra = Set(t.classNames).symmetricDifference(v.classNames).sorted().prefix(3)
                throw ConfigError("\(t.name) and \(v.name) have different class folders (e.g. \(extra.joined(separator: ", "))); a class index must mean the same class in both")
            }
            trainClasses = t; valClasses = v
        } else {
            trainClasses = nil; valClasses = nil
        }
        self.config = config
        self.trainSet = trainSet
        self.valSet = valSet
        switch config.classWeights {
        case nil: classWeights = nil
        case .values(let w)?:
            guard w.count == trainSet.classCount else {
                throw ConfigError("'class_weights': \(w.count) weights for the \(trainSet.classCount) classes of \(trainSet.name)")
            }
            classWeights = w.map(Float.init)
        case .auto?:
            classWeights = ClassWeights.fromFrequencies(try Self.labelCounts(trainSet))
        }
        outputDir = URL(fileURLWithPath: config.output)
        try Folder.create(config.output)
        lock = try OutputLock(folder: config.output)
        AtomicFile.removeStaleTemporaries(in: config.output)
        let written = ["checkpoint.safetensors", "best.safetensors", "best.json", "last.safetensors", "last.json", "train.jsonl"]
        try OutputGuard.check(outputs: written.map { (config.output as NSString).appendingPathComponent($0) }, against: inputs)
        guard Zoo.classRange(for: task).contains(trainSet.classCount) else {
            throw ConfigError("\(trainSet.name) has \(trainSet.classCount) classes, outside \(Zoo.classRange(for: task))")
        }
        // Before the first allocation of the run: refuse a crop and batch that cannot fit.
        try MemoryEstimate.check(.training, variant: config.variant!, classes: trainSet.classCount,
                                 height: config.cropHeight, width: config.cropWidth, batch: config.batchSize)
        model = config.resolvedArchitecture.map { Zoo.make(config.variant!, classes: trainSet.classCount, seed: config.seed, architecture: $0) }
            ?? Zoo.make(config.variant!, classes: trainSet.classCount, seed: config.seed, task: task)
        if let initFrom = config.initFrom, !resume {
            try OutputGuard.check(outputs: written.map { (config.output as NSString).appendingPathComponent($0) },
                                  against: [OutputGuard.Input(initFrom, "the init_from checkpoint")])
            transfer = try WeightTransfer.apply(from: initFrom, into: model)
        }
        optimizer = AdamW(parameters: model.parameters(), learningRate: Float(config.lrStart), weightDecay: Float(config.weightDecay))
        schedule = WarmupCosineSchedule(start: Float(config.lrStart), peak: Float(config.lrPeak), end: Float(config.lrEnd),
                                        warmupIterations: config.warmupIterations, totalIterations: config.iterations)
        state = TrainingState(iteration: 0, bestMIoU: -1, config: config)
        if resume {
            let saved = try TrainingState.load(from: statePath, model: model, optimizer: optimizer)
            let a = saved.config, b = config
            guard a.model == b.model, a.resolvedArchitecture == b.resolvedArchitecture, a.batchSize == b.batchSize, a.seed == b.seed, a.cropHeight == b.cropHeight,
                  a.cropWidth == b.cropWidth, a.dataset == b.dataset else {
                throw ConfigError("\(statePath): the run was started with another model or architecture, dataset, batch, crop or seed; resuming would not continue it")
            }
            guard saved.iteration <= config.iterations else {
                throw ConfigError("\(statePath): the run is at iteration \(saved.iteration), past this run's \(config.iterations) iterations; raise --iterations to continue it")
            }
            state = TrainingState(iteration: saved.iteration, bestMIoU: saved.bestMIoU, config: config)
        }
    }

    /// The loss of one batch: Eq. 7, CE(main) + auxWeight * sum CE(aux), for segmentation;
    /// the cross-entropy of the image classes (N, 1, 1) for classification (no ignore index:
    /// every class number is a class).
    func loss(_ outputs: [Tensor], _ batch: Batch) -> (total: Tensor, main: Float, aux: Float) {
        guard let trainClasses else {
            return Self.loss(outputs, batch.labels, auxWeight: Float(config.auxWeight), classWeights: classWeights, ohem: config.ohem)
        }
        let classes = Labels(shape: [batch.indices.count, 1, 1], values: batch.indices.map { Int32(trainClasses.imageClass($0)) })
        let ce = crossEntropy(outputs[0], classes, ignoreIndex: -1)
        return (ce, ce.scalar, 0)
    }

    /// Eq. 7 for outputs [main, auxiliary...], each (N, classes, H, W), and labels (N, H, W).
    /// `classWeights` and `ohem` apply to every head.
    public static func loss(_ outputs: [Tensor], _ labels: Labels, auxWeight: Float, classWeights: [Float]? = nil,
                            ohem: OHEM? = nil) -> (total: Tensor, main: Float, aux: Float) {
        func ce(_ logits: Tensor) -> Tensor { crossEntropy(logits, labels, classWeights: classWeights, ohem: ohem) }
        let main = ce(outputs[0])
        guard outputs.count > 1 else { return (main, main.scalar, 0) }
        var auxSum = ce(outputs[1])
        for o in outputs.dropFirst(2) { auxSum = add(auxSum, ce(o)) }
        return (add(main, scaled(auxSum, by: auxWeight)), main.scalar, auxSum.scalar)
    }

    /// Pixels per class over up to `limit` training samples spread evenly over the set (the
    /// frequencies `class_weights: auto` weighs by); ignored pixels are not counted.
    static func labelCounts(_ set: SegmentationDataset, limit: Int = 200) throws -> [Int] {
        var counts = [Int](repeating: 0, count: set.classCount)
        let n = min(set.count, limit)
        for k in 0..<n {
            let labels = try set.sample(k * set.count / n).labels
            for v in labels.values where Int(v) < counts.count { counts[Int(v)] += 1 }
        }
        return counts
    }

    /// Trains from the current iteration to `config.iterations`. `stopAfter` ends early
    /// (tests); `onValidation` sees each validation result.
    @discardableResult
    public func run(progress: ProgressReporter? = nil, stopAfter: Int? = nil,
                    onValidation: (Int, EvaluationResult) -> Void = { _, _ in }) throws -> TrainingState {
        let log = try RunLog(path: logPath, keepThrough: state.iteration > 0 ? state.iteration : nil)
        // A new events file per run and per resumption; the JSON-lines log stays the record.
        let board = config.tensorboard ? try TensorBoardLog(folder: config.output, startingAt: state.iteration) : nil
        let augmentation = Augmentation(cropHeight: config.cropHeight, cropWidth: config.cropWidth,
                                        scaleRange: config.scaleMin...config.scaleMax, flipProbability: config.flip,
                                        photometric: config.photometric)
        let loader = BatchLoader(dataset: trainSet, batchSize: config.batchSize, augmentation: augmentation, seed: config.seed,
                                 startingAt: state.iteration, prefetch: 2, workers: config.loaderWorkers)
        defer { loader.stop() }
        model.train()
        let start = Date()
        var windowStart = Date(), windowImages = 0
        let end = min(config.iterations, stopAfter ?? config.iterations)
        while state.iteration < end {
            let i = state.iteration
            let lr = schedule.learningRate(at: i)
            optimizer.learningRate = lr
            let batch = try loader.next()
            let (total, main, aux) = loss(model.outputs(batch.images), batch)
            total.backward()
            optimizer.update()
            state.iteration = i + 1
            windowImages += config.batchSize
            let lossValue = Double(total.scalar)
            guard lossValue.isFinite else { throw ConfigError("training diverged at iteration \(i + 1): loss \(lossValue); lower lr_peak") }
            let now = Date()
            let speed = Double(windowImages) / max(now.timeIntervalSince(windowStart), 1e-9)
            let done = state.iteration
            let eta = Double(config.iterations - done) * Double(config.batchSize) / max(speed, 1e-9)
            let logNow = done % config.logInterval == 0 || done == config.iterations
            progress?.update(iteration: done, loss: lossValue, learningRate: Double(lr), imagesPerSecond: speed, eta: eta, force: logNow)
            if logNow {
                var e = LogEntry(iteration: done, kind: "train")
                e.loss = lossValue; e.lossMain = Double(main); e.lossAux = Double(aux); e.learningRate = Double(lr)
                e.imagesPerSecond = speed; e.elapsedSeconds = now.timeIntervalSince(start)
                try log.append(e)
                try board?.append(e)
                windowStart = now; windowImages = 0
            }
            if (done % config.valInterval == 0 || done == config.iterations), let valClasses {
                let result = try ClassificationEvaluator.evaluate(model, on: valClasses, cropHeight: config.cropHeight,
                                                                  cropWidth: config.cropWidth, limit: config.valImages)
                model.train()
                var e = LogEntry(iteration: done, kind: "val")
                e.valTop1 = result.top1; e.valTop5 = result.top5; e.elapsedSeconds = Date().timeIntervalSince(start)
                try log.append(e)
                try board?.append(e)
                progress?.message(String(format: "iter %d: val top-1 %.2f, top-5 %.2f", done, 100 * result.top1, 100 * result.top5))
                if result.top1 > state.bestMIoU {
                    state.bestMIoU = result.top1
                    try Checkpoint.save(model, to: bestPath)
                }
            } else if done % config.valInterval == 0 || done == config.iterations {
                let result = try Evaluator.evaluate(model, on: valSet, limit: config.valImages,
                                                    onPrediction: { board?.keep($0, $1, $2, $3) })
                model.train()
                var e = LogEntry(iteration: done, kind: "val")
                e.valMIoU = result.miou; e.valPixelAccuracy = result.pixelAccuracy; e.elapsedSeconds = Date().timeIntervalSince(start)
                try log.append(e)
                try board?.append(e, validation: result, palette: valSet.palette)
                progress?.message(String(format: "iter %d: val mIoU %.2f, pixel accuracy %.2f", done, 100 * result.miou, 100 * result.pixelAccuracy))
                if result.miou > state.bestMIoU {
                    state.bestMIoU = result.miou
                    try Checkpoint.save(model, to: bestPath)
                }
                onValidation(done, result)
            }
            if done % config.checkpointInterval == 0 || done == end {
                try TrainingState.save(model: model, optimizer: optimizer, state: state, to: statePath)
                try Checkpoint.save(model, to: lastPath)
            }
        }
        progress?.finish()
        return state
    }
}
