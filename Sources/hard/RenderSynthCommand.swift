import ArgumentParser
import Foundation
import HardData
import HardEngine
import HardTrain

struct RenderSynthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render-synth",
        abstract: "Write SynthStreets (the built-in synthetic street scenes) to a folder dataset.",
        discussion: """
        Writes OUTPUT/classes.json, OUTPUT/train/{images,masks}/NNNNNN.png, OUTPUT/val/... and \
        OUTPUT/synthstreets.json (the settings, written last). The folder reads as `kind: folder` \
        with the same pixels and labels `hard train` renders; the PyTorch trainer \
        (`python -m hard_torch.train`, docs/torch.md) trains on SynthStreets this way. With \
        --config the sizes and counts are the config's `dataset.synth_*` values (flags override them).

        Examples:
          hard render-synth --config configs/synthstreets-xxs.yaml --output data/synth
          hard render-synth --train-images 100 --val-images 20 --width 320 --height 240 --output data/synth-small
        """)

    @Option(help: "A training config whose dataset is synthstreets: its synth_* values are the defaults.") var config: String?
    @Option(name: .customLong("train-images"), parsing: .unconditional, help: "Training images (1...1000000).") var trainImages: Int?
    @Option(name: .customLong("val-images"), parsing: .unconditional, help: "Validation images (1...1000000).") var valImages: Int?
    @Option(parsing: .unconditional, help: "Image width (16...16384).") var width: Int?
    @Option(parsing: .unconditional, help: "Image height (16...16384).") var height: Int?
    @Option(parsing: .unconditional, help: "Scene seed.") var seed: UInt64?
    @Option(name: .shortAndLong, help: "Folder to write (created if needed).") var output: String

    func validate() throws {
        try checked {
            if let trainImages { try OptionValues.count(trainImages, "--train-images", maximum: 1_000_000) }
            if let valImages { try OptionValues.count(valImages, "--val-images", maximum: 1_000_000) }
            if let width { try OptionValues.side(width, "--width") }
            if let height { try OptionValues.side(height, "--height") }
            if output.isEmpty { throw OptionError("--output must name a folder") }
        }
    }

    func run() throws {
        do {
            var d = DatasetConfig()
            if let config {
                d = try TrainConfig.load(config).dataset
                guard d.kind == "synthstreets" else {
                    throw ConfigError("\(config): the dataset is '\(d.kind)', not synthstreets; nothing to render")
                }
            }
            let settings = SynthStreetsFolder.Settings(trainImages: trainImages ?? d.synthTrainImages, valImages: valImages ?? d.synthValImages,
                                                       width: width ?? d.synthWidth, height: height ?? d.synthHeight,
                                                       seed: seed ?? d.synthSeed)
            try SynthStreetsFolder.write(settings, to: output) { done, total in
                if done % max(1, total / 10) == 0 || done == total {
                    FileHandle.standardError.write(Data("rendered \(done)/\(total)\n".utf8))
                }
            }
            print("wrote \(settings.trainImages) train and \(settings.valImages) val scenes of \(settings.width)x\(settings.height) (seed \(settings.seed)) to \(output)")
        } catch {
            throw fail(error)
        }
    }
}
