import Foundation
import HardData
import HardEngine
import HardModels

/// Predictions in the Cityscapes benchmark's format: one 8-bit grayscale PNG of labelIds per
/// image (trainIds mapped back with the official table, `CityscapesDataset.labelIdOfTrainId`),
/// named `<city>_<seq>_<frame>_pred_labelIds.png`. The official evaluator
/// (`cityscapesscripts.evaluation.evalPixelLevelSemanticLabeling`, with CITYSCAPES_RESULTS
/// pointing at the folder) and the benchmark server find each image's prediction by its
/// `<city>_<seq>_<frame>` and read labelIds, so the folder is taken unchanged (zip it for the
/// server).
public enum CityscapesResults {
    /// The `*_leftImg8bit.png` images under `path` (a file, or a folder searched through its
    /// city subfolders), sorted; an error naming the folder when there are none.
    public static func inputs(_ path: String) throws -> [String] {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw ImageIOError(file: path, problem: "no such file or folder")
        }
        guard isDir.boolValue else { return [path] }
        var found: [String] = []
        let enumerator = FileManager.default.enumerator(atPath: path)
        while let relative = enumerator?.nextObject() as? String {
            if relative.hasSuffix("_leftImg8bit.png") && !(relative as NSString).lastPathComponent.hasPrefix(".") {
                found.append((path as NSString).appendingPathComponent(relative))
            }
        }
        guard !found.isEmpty else {
            throw ImageIOError(file: path, problem: "holds no *_leftImg8bit.png image (give leftImg8bit/<split> or a city folder)")
        }
        return found.sorted()
    }

    /// `<city>_<seq>_<frame>_pred_labelIds.png` for `aachen_000000_000019_leftImg8bit.png`;
    /// any other name keeps its stem (`x.png` -> `x_pred_labelIds.png`).
    public static func outputName(for input: String) -> String {
        var stem = ((input as NSString).lastPathComponent as NSString).deletingPathExtension
        if stem.hasSuffix("_leftImg8bit") { stem.removeLast("_leftImg8bit".count) }
        return stem + "_pred_labelIds.png"
    }

    /// Writes `prediction` (trainIds) for `input` into `outputDir` as labelIds; returns the path.
    @discardableResult
    public static func write(_ prediction: LabelMap, for input: String, into outputDir: String) throws -> String {
        let path = (outputDir as NSString).appendingPathComponent(outputName(for: input))
        try ImageFile.writeLabelPNG(CityscapesDataset.labelIds(fromTrainIds: prediction), to: path)
        return path
    }

    /// Segments every input with a 19-class model and writes its prediction file; two inputs
    /// with one `<city>_<seq>_<frame>` are an error (the evaluator could not tell them apart).
    @discardableResult
    public static func run(model: HARDNetwork, inputs: [String], outputDir: String, inputSize: (height: Int, width: Int)? = nil,
                           augmentation: TestTimeAugmentation = .init(), progress: (String) -> Void = { _ in }) throws -> [String] {
        guard model.classes == CityscapesDataset.classNames.count else {
            throw ConfigError("--cityscapes-ids needs a model of the 19 Cityscapes classes; this one has \(model.classes)")
        }
        let names = inputs.map(outputName)
        var seen: [String: String] = [:]
        for (name, input) in zip(names, inputs) {
            if let other = seen.updateValue(input, forKey: name) {
                throw FileError(file: input, problem: "has the same Cityscapes id as \(other); the evaluator could not tell their predictions apart")
            }
        }
        let outputs = names.map { (outputDir as NSString).appendingPathComponent($0) }
        try Folder.create(outputDir)
        try OutputGuard.check(outputs: outputs, against: inputs.map { OutputGuard.Input($0, "an input image") })
        let predictor = Predictor(model)
        for (input, output) in zip(inputs, outputs) {
            let prediction = try predictor.predict(try ImageFile.readRGB(input), inputSize: inputSize, augmentation: augmentation)
            try ImageFile.writeLabelPNG(CityscapesDataset.labelIds(fromTrainIds: prediction), to: output)
            progress(input)
        }
        return outputs
    }
}
