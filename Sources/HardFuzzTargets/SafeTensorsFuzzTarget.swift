import Foundation
import HardEngine
import HardNN

/// Bytes to `SafeTensors.decode`. What it accepts must survive `encode` and a second decode
/// unchanged (names, shapes, the raw float bits, metadata): checkpoints are written that way.
public func fuzzSafeTensors(_ bytes: UnsafeRawBufferPointer) {
    guard let (tensors, metadata) = try? SafeTensors.decode(Data(bytes)) else { return }
    let names = tensors.keys.sorted()
    let encoded: Data
    do {
        encoded = try SafeTensors.encode(names.map { ($0, tensors[$0]!) }, metadata: metadata)
    } catch {
        invariant(false, "decoded tensors cannot be encoded again: \(error)")
        return
    }
    guard let (again, metadataAgain) = try? SafeTensors.decode(encoded) else {
        invariant(false, "encode wrote a blob that decode refuses")
        return
    }
    invariant(metadataAgain == metadata && again.keys.sorted() == names, "names or metadata changed in a round trip")
    for name in names {
        let a = tensors[name]!, b = again[name]!
        invariant(a.shape == b.shape && a.count == b.count, "\(name): shape changed in a round trip")
        invariant(memcmp(a.pointer, b.pointer, 4 * a.count) == 0, "\(name): values changed in a round trip")
    }
}
