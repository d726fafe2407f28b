import Foundation
import HardTrain

/// Bytes to `TrainConfig.parse`, once as YAML and once as JSON (the file's extension picks
/// the parser). A configuration it accepts is valid, and written back as JSON it reads back
/// equal: what `hard train` saves beside a run must load again.
public func fuzzConfig(_ bytes: UnsafeRawBufferPointer) {
    let data = Data(bytes)
    for path in ["fuzz.yaml", "fuzz.json"] {
        guard let config = try? TrainConfig.parse(data, path: path) else { continue }
        invariant((try? config.validate()) != nil, "parse accepted a configuration that validate refuses")
        // Infinite values cannot be written as JSON; that is the encoder's refusal, not a bug.
        guard let json = try? JSONEncoder().encode(config) else { continue }
        do {
            let back = try TrainConfig.parse(json, path: "roundtrip.json")
            invariant(back == config, "a configuration changed when written as JSON and read back")
        } catch {
            invariant(false, "a configuration written as JSON does not read back: \(error)")
        }
    }
}
