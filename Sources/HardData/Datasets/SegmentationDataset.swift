/// A labelled image collection: what training and evaluation read.
///
/// Implementations list their files when created (so a missing label file is reported
/// before training starts, naming the first one) and read one sample at a time (so memory
/// stays bounded). A sample whose files are unreadable, whose image and label sizes differ,
/// or whose labels are outside [0, classes) and not 255 is a thrown `DatasetError` that
/// names the file.
public protocol SegmentationDataset: Sendable {
    /// e.g. "Cityscapes val (gtFine labelTrainIds)".
    var name: String { get }
    /// Class names, index = label value.
    var classNames: [String] { get }
    /// Display colour per class (overlays, label PNGs).
    var palette: [RGBColor] { get }
    /// Number of samples.
    var count: Int { get }
    /// The image and its labels (255 = ignore), both at the file's resolution.
    func sample(_ index: Int) throws -> (image: RGBImage, labels: LabelMap)
}

extension SegmentationDataset {
    public var classCount: Int { classNames.count }

    /// One line for the terminal: what was found.
    public var summary: String { "\(name): \(count) images, \(classCount) classes" }

    /// Reads every sample (or the first `limit`) and throws at the first bad one.
    public func validate(limit: Int? = nil) throws {
        for i in 0..<min(count, limit ?? count) { _ = try sample(i) }
    }
}

/// A dataset folder or file that is not as expected, naming the file and the problem.
public struct DatasetError: Error, CustomStringConvertible, Equatable {
    public let file: String
    public let problem: String

    public init(file: String, problem: String) {
        self.file = file
        self.problem = problem
    }

    public var description: String { "\(file): \(problem)" }
}
