import Foundation
import HardEngine

/// A file (or blob) that is not valid safetensors, with what is wrong.
public struct SafeTensorsError: Error, CustomStringConvertible, Equatable {
    public let problem: String
    public var description: String { problem }
}

/// The safetensors format of the Hugging Face `safetensors` library: an 8-byte
/// little-endian header length N, N bytes of JSON header
/// `{name: {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}, "__metadata__": {...}}`
/// (padded with spaces to a multiple of 8), then the raw little-endian tensor bytes; offsets
/// are relative to the start of that data. Only F32 tensors are read and written here.
public enum SafeTensors {
    /// Largest header accepted when reading (the reference library uses 100 MB too).
    static let maxHeaderBytes = 100_000_000

    /// Serialises tensors (in the given order) and string metadata.
    public static func encode(_ tensors: [(String, Tensor)], metadata: [String: String] = [:]) throws -> Data {
        var header: [String: Any] = [:]
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var offset = 0
        for (name, t) in tensors {
            precondition(header[name] == nil, "safetensors: duplicate tensor name \(name)")
            let bytes = t.count * 4
            header[name] = ["dtype": "F32", "shape": t.shape, "data_offsets": [offset, offset + bytes]] as [String: Any]
            offset += bytes
        }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        while json.count % 8 != 0 { json.append(0x20) }
        var out = Data(capacity: 8 + json.count + offset)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(json)
        for (_, t) in tensors {
            // Float32 is stored little-endian; every platform Swift runs on here is little-endian.
            out.append(UnsafeBufferPointer(start: t.pointer, count: t.count))
        }
        return out
    }

    /// Parses a safetensors blob. Every length, offset and shape is checked before any byte
    /// is read, so a damaged blob is an error, never a crash.
    public static func decode(_ data: Data) throws -> (tensors: [String: Tensor], metadata: [String: String]) {
        guard data.count >= 8 else { throw SafeTensorsError(problem: "file is \(data.count) bytes, shorter than the 8-byte header length") }
        let n = data.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard n <= UInt64(maxHeaderBytes), n <= UInt64(data.count - 8) else {
            throw SafeTensorsError(problem: "header length \(n) exceeds the file (\(data.count) bytes) or the 100 MB limit")
        }
        let headerData = data.subdata(in: data.startIndex + 8 ..< data.startIndex + 8 + Int(n))
        guard let header = (try? JSONSerialization.jsonObject(with: headerData)) as? [String: Any] else {
            throw SafeTensorsError(problem: "header is not a JSON object")
        }
        let body = data.startIndex + 8 + Int(n)
        let bodyCount = data.count - 8 - Int(n)
        var metadata: [String: String] = [:]
        var tensors: [String: Tensor] = [:]
        var ranges: [(Int, Int, String)] = []
        for (name, value) in header {
            if name == "__metadata__" {
                guard let m = value as? [String: String] else { throw SafeTensorsError(problem: "__metadata__ must map strings to strings") }
                metadata = m
                continue
            }
            guard let entry = value as? [String: Any] else { throw SafeTensorsError(problem: "entry \(name) is not an object") }
            guard let dtype = entry["dtype"] as? String else { throw SafeTensorsError(problem: "\(name): no dtype") }
            guard dtype == "F32" else { throw SafeTensorsError(problem: "\(name): dtype \(dtype) is not supported (only F32)") }
            guard let shape = (entry["shape"] as? [Any])?.compactMap(exactInt),
                  shape.count == (entry["shape"] as? [Any])?.count, shape.allSatisfy({ $0 >= 0 && $0 < 1 << 31 }) else {
                throw SafeTensorsError(problem: "\(name): shape is not a list of non-negative integers")
            }
            guard let offs = (entry["data_offsets"] as? [Any])?.compactMap(exactInt), offs.count == 2,
                  offs[0] >= 0, offs[0] <= offs[1], offs[1] <= bodyCount else {
                throw SafeTensorsError(problem: "\(name): data_offsets missing or outside the \(bodyCount) data bytes")
            }
            var count = 1
            for d in shape {
                let (p, overflow) = count.multipliedReportingOverflow(by: d)
                guard !overflow else { throw SafeTensorsError(problem: "\(name): shape \(shape) overflows") }
                count = p
            }
            let (bytes, bytesOverflow) = count.multipliedReportingOverflow(by: 4)
            guard !bytesOverflow else { throw SafeTensorsError(problem: "\(name): shape \(shape) overflows") }
            guard offs[1] - offs[0] == bytes else {
                throw SafeTensorsError(problem: "\(name): shape \(shape) needs \(bytes) bytes, data_offsets give \(offs[1] - offs[0])")
            }
            // An empty tensor holds no bytes and cannot overlap another: writers (this one
            // and the reference library) give it the offset of its neighbour, [x, x].
            if bytes > 0 { ranges.append((offs[0], offs[1], name)) }
            let storage = TensorStorage(count: count, zeroed: false)
            if count > 0 {
                data.withUnsafeBytes { raw in
                    let src = raw.baseAddress!.advanced(by: body - data.startIndex + offs[0])
                    UnsafeMutableRawPointer(storage.pointer).copyMemory(from: src, byteCount: bytes)
                }
            }
            tensors[name] = Tensor(shape: shape, storage: storage)
        }
        ranges.sort { ($0.0, $0.1, $0.2) < ($1.0, $1.1, $1.2) }
        for (a, b) in zip(ranges, ranges.dropFirst()) where a.1 > b.0 {
            throw SafeTensorsError(problem: "tensors \(a.2) and \(b.2) overlap in the data")
        }
        return (tensors, metadata)
    }
}

extension SafeTensors {
    /// The first tensor (in name order) holding a NaN or an infinity, or nil when all are finite.
    /// Weights of a model or an optimizer are always finite; a non-finite one is a diverged
    /// run or a damaged file, and loading it would silently give NaN logits.
    public static func firstNonFinite(_ tensors: [String: Tensor]) -> String? {
        for name in tensors.keys.sorted() {
            let values = tensors[name]!.storage.buffer
            // One pass; `x - x` is NaN exactly for NaN and +-infinity.
            var probe: Float = 0
            for x in values { probe += x - x }
            if probe.isNaN { return name }
        }
        return nil
    }
}

/// An integral JSON number that fits an Int (nil for 1.5, 1e30, strings...).
private func exactInt(_ value: Any) -> Int? {
    guard let n = value as? NSNumber else { return nil }
    return Int(exactly: n.doubleValue)
}
