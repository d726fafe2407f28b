import Foundation
import HardEngine

/// `classes.json`, read and checked: every problem is a `DatasetError` naming the file
/// and saying where in it the problem is.
struct FolderClassFile {
    struct Entry {
        let name: String
        let color: RGBColor
    }

    let classes: [Entry]
    let ignoreColor: RGBColor?

    // The file as JSON shapes it; meaning is checked after decoding.
    private struct Raw: Decodable {
        struct RawEntry: Decodable {
            let name: String
            let color: [Int]
        }
        let classes: [RawEntry]
        let ignore_color: [Int]?
    }

    static func read(_ path: String) throws -> FolderClassFile {
        try DatasetFiles.requireFile(path, "class file (classes.json)")
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw DatasetError(file: path, problem: "cannot read: \(FileError.words(for: error))")
        }
        return try parse(data, name: path)
    }

    static func parse(_ data: Data, name: String) throws -> FolderClassFile {
        let raw: Raw
        do {
            raw = try JSONDecoder().decode(Raw.self, from: data)
        } catch let error as DecodingError {
            throw DatasetError(file: name, problem: describe(error))
        } catch {
            throw DatasetError(file: name, problem: "not valid JSON: \(error.localizedDescription)")
        }
        func fail(_ problem: String) -> DatasetError { DatasetError(file: name, problem: problem) }
        func color(_ values: [Int], at path: String) throws -> RGBColor {
            guard values.count == 3, values.allSatisfy({ (0...255).contains($0) }) else {
                throw fail("\(path) must be [r, g, b] with each in 0...255, got \(values)")
            }
            return RGBColor(UInt8(values[0]), UInt8(values[1]), UInt8(values[2]))
        }

        if raw.classes.isEmpty { throw fail("\"classes\" is empty") }
        // Value 255 means ignore, so at most 255 classes (0...254) fit in a byte.
        if raw.classes.count > 255 { throw fail("\(raw.classes.count) classes; at most 255 fit (255 is ignore)") }
        var entries: [Entry] = []
        var firstWithName: [String: Int] = [:], firstWithColor: [RGBColor: Int] = [:]
        for (i, entry) in raw.classes.enumerated() {
            let name = entry.name.trimmingCharacters(in: .whitespaces)
            if name.isEmpty { throw fail("classes[\(i)].name is empty") }
            if let j = firstWithName[name] { throw fail("classes[\(j)] and classes[\(i)] are both named \"\(name)\"") }
            let c = try color(entry.color, at: "classes[\(i)].color")
            if let j = firstWithColor[c] {
                throw fail("classes[\(j)] and classes[\(i)] have the same colour \(entry.color); RGB masks would be ambiguous")
            }
            firstWithName[name] = i
            firstWithColor[c] = i
            entries.append(Entry(name: name, color: c))
        }
        var ignore: RGBColor?
        if let values = raw.ignore_color {
            let c = try color(values, at: "ignore_color")
            if let j = firstWithColor[c] { throw fail("ignore_color \(values) is also the colour of classes[\(j)]") }
            ignore = c
        }
        return FolderClassFile(classes: entries, ignoreColor: ignore)
    }

    /// A decoding error as one line: where in the file, and what was expected.
    private static func describe(_ error: DecodingError) -> String {
        func path(_ keys: [CodingKey]) -> String {
            var text = ""
            for key in keys {
                if let index = key.intValue { text += "[\(index)]" } else { text += (text.isEmpty ? "" : ".") + key.stringValue }
            }
            return text.isEmpty ? "the top level" : text
        }
        switch error {
        case .keyNotFound(let key, let context):
            let owner = context.codingPath.isEmpty ? "the top level" : path(context.codingPath)
            return "missing \"\(key.stringValue)\" in \(owner) (expected {\"classes\": [{\"name\": ..., \"color\": [r, g, b]}, ...]})"
        case .typeMismatch(let type, let context), .valueNotFound(let type, let context):
            return "\(path(context.codingPath)): expected \(typeWords(type))"
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty {
                let detail = (context.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String
                return "not valid JSON" + (detail.map { ": \($0)" } ?? "")
            }
            return "\(path(context.codingPath)): \(context.debugDescription)"
        @unknown default:
            return "cannot be read: \(error)"
        }
    }

    private static func typeWords(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type: "an integer"
        case is [Int].Type: "an array of integers"
        case is Array<Any>.Type, is [Raw.RawEntry].Type: "an array"
        default: "\(type)"
        }
    }
}
