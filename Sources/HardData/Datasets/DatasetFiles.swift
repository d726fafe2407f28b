import Foundation
import HardEngine

/// What the dataset loaders share: looking at folders when a dataset is opened, and reading
/// and checking one sample when it is asked for. Every problem is a `DatasetError` that
/// names the file (or folder) concerned.
enum DatasetFiles {
    // MARK: Listing (at init)

    static func join(_ parts: String...) -> String {
        var path = ""
        for part in parts where !part.isEmpty {
            if path.isEmpty || path.hasSuffix("/") { path += part } else { path += "/" + part }
        }
        return path
    }

    static func isFolder(_ path: String) -> Bool {
        var folder: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &folder) && folder.boolValue
    }

    static func isFile(_ path: String) -> Bool {
        var folder: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &folder) && !folder.boolValue
    }

    /// Throws naming `path` unless it is a folder; `expected` says what it should hold.
    static func requireFolder(_ path: String, _ expected: String) throws {
        if isFolder(path) { return }
        let problem = isFile(path) ? "is a file, expected a folder (\(expected))" : "missing folder (\(expected))"
        throw DatasetError(file: path, problem: problem)
    }

    /// Throws naming `path` unless it is a file.
    static func requireFile(_ path: String, _ what: String) throws {
        if isFile(path) { return }
        let problem = isFolder(path) ? "is a folder, expected \(what)" : "missing \(what)"
        throw DatasetError(file: path, problem: problem)
    }

    /// The entries of a folder, sorted by name so that sample order is the same on every
    /// machine; hidden entries (".DS_Store", editors' temporary files) are skipped. A name
    /// that is not UTF-8 is refused, naming it escaped (`images/a\xFF.png`): a `String` path
    /// cannot name it, and reading another file, or reporting its mask missing, would mislead.
    static func entries(of folder: String) throws -> [String] {
        do {
            return try Folder.entries(of: folder)
        } catch let error as FileError {
            throw DatasetError(file: error.file, problem: error.problem)
        }
    }

    /// Sub-folders of a folder, sorted.
    static func subfolders(of folder: String) throws -> [String] {
        try entries(of: folder).filter { isFolder(join(folder, $0)) }
    }

    /// The lines of a text file, trimmed, without empty lines, with their 1-based numbers.
    static func lines(of path: String, _ what: String) throws -> [(number: Int, text: String)] {
        try requireFile(path, what)
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw DatasetError(file: path, problem: "cannot read \(what): \(FileError.words(for: error))")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw DatasetError(file: path, problem: "\(what) is not UTF-8 text")
        }
        // Swift reads "\r\n" as one Character, so split on any newline: CRLF lists from
        // Windows tools number their lines like LF ones.
        return text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated().compactMap { index, line in
            let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
            return trimmed.isEmpty ? nil : (index + 1, trimmed)
        }
    }

    static func hasImageExtension(_ name: String) -> Bool {
        let lower = name.lowercased()
        return lower.hasSuffix(".png") || lower.hasSuffix(".jpg") || lower.hasSuffix(".jpeg")
    }

    /// "a/b/c.png" -> "c"
    static func stem(_ name: String) -> String {
        let base = name.split(separator: "/").last.map(String.init) ?? name
        guard let dot = base.lastIndex(of: "."), dot != base.startIndex else { return base }
        return String(base[..<dot])
    }

    // MARK: Reading (per sample)

    /// Reads an image, turning codec errors into dataset errors (same file, same problem).
    static func readImage(_ path: String) throws -> RGBImage {
        do { return try ImageFile.readRGB(path) } catch let error as ImageIOError {
            throw DatasetError(file: error.file, problem: error.problem)
        }
    }

    /// Reads a label map as `ImageFile.readLabels` does, with dataset errors.
    static func readLabels(_ path: String, colors: [RGBColor: UInt8]? = nil) throws -> LabelMap {
        do { return try ImageFile.readLabels(path, colors: colors) } catch let error as ImageIOError {
            throw DatasetError(file: error.file, problem: error.problem)
        }
    }

    /// Throws naming the label file unless its size is the image's.
    static func checkSameSize(_ image: RGBImage, _ labels: LabelMap, imagePath: String, labelPath: String) throws {
        if image.width != labels.width || image.height != labels.height {
            throw DatasetError(file: labelPath, problem:
                "label map is \(labels.width)x\(labels.height) but its image \(imagePath) is \(image.width)x\(image.height)")
        }
    }

    /// Throws naming the label file and the first value that is neither a class (< classCount) nor 255.
    static func checkValues(_ labels: LabelMap, classCount: Int, labelPath: String) throws {
        guard classCount < 255 else { return }
        let limit = UInt8(classCount)
        for (i, v) in labels.values.enumerated() where v >= limit && v != LabelMap.ignore {
            throw DatasetError(file: labelPath, problem:
                "label value \(v) at pixel (x \(i % labels.width), y \(i / labels.width)) is not a class "
                + "(0...\(classCount - 1)) nor 255 (ignore)")
        }
    }

    /// Maps every value through a 256-entry table: labels (H, W) -> (H, W).
    static func remap(_ labels: LabelMap, _ table: [UInt8]) -> LabelMap {
        precondition(table.count == 256, "a label table has 256 entries, got \(table.count)")
        var out = labels
        for i in out.values.indices { out.values[i] = table[Int(out.values[i])] }
        return out
    }

    /// The sample at `index`, or a DatasetError naming the dataset when it is out of range
    /// (a caller's bug, but one that should not crash a long training run without a word).
    static func checkIndex(_ index: Int, count: Int, name: String) throws {
        if index < 0 || index >= count {
            throw DatasetError(file: name, problem: "sample \(index) is out of range 0..<\(count)")
        }
    }
}
