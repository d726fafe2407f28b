// swift-tools-version:6.1
// hard: HARD real-time semantic segmentation, from GPU to microcontroller, in Swift.
import PackageDescription

let optimized: [SwiftSetting] = [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]

let package = Package(
    name: "hard",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "hard", targets: ["hard"]),
        .library(name: "HardEngine", targets: ["HardEngine"]),
        .library(name: "HardNN", targets: ["HardNN"]),
        .library(name: "HardModels", targets: ["HardModels"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
    ],
    targets: [
        // C wall: the oneDNN C API (Debian: libdnnl-dev, oneDNN 2.6).
        .systemLibrary(
            name: "CDNNL",
            path: "Sources/CDNNL",
            providers: [.apt(["libdnnl-dev"]), .brew(["onednn"])]
        ),
        // C wall: image codecs.
        .systemLibrary(name: "CPNG", path: "Sources/CPNG", providers: [.apt(["libpng-dev"]), .brew(["libpng"])]),
        // libpng's classic API behind a setjmp in C: libpng reports errors by longjmp, which must never cross a Swift frame.
        .target(name: "CPNGShim", dependencies: ["CPNG"], linkerSettings: [.linkedLibrary("png16")]),
        .systemLibrary(name: "CTurboJPEG", path: "Sources/CTurboJPEG", providers: [.apt(["libturbojpeg0-dev"]), .brew(["jpeg-turbo"])]),
        // Tensor, reverse-mode autodiff, the op set and its two backends.
        .target(name: "HardEngine", dependencies: ["CDNNL"], swiftSettings: optimized),
        // Modules, layers, losses, optimizers, schedules.
        .target(name: "HardNN", dependencies: ["HardEngine"], swiftSettings: optimized),
        // HARD's blocks, the five variants, complexity, checkpoints.
        .target(name: "HardModels", dependencies: ["HardEngine", "HardNN"], swiftSettings: optimized),
        // Image codecs, datasets, transforms, the prefetching loader, SynthStreets.
        .target(name: "HardData", dependencies: ["HardEngine", "CPNGShim", "CTurboJPEG"], swiftSettings: optimized),
        // Training loop, losses, metrics, evaluation, segmentation, run logs.
        .target(name: "HardTrain", dependencies: ["HardEngine", "HardNN", "HardModels", "HardData",
                                                  .product(name: "Yams", package: "Yams")], swiftSettings: optimized),
        // The command-line tool: parses and delegates.
        .executableTarget(
            name: "hard",
            dependencies: [
                "HardEngine", "HardNN", "HardModels", "HardData", "HardTrain",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: optimized
        ),
        .testTarget(
            name: "HardEngineTests",
            dependencies: ["HardEngine"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(name: "HardNNTests", dependencies: ["HardNN", "HardEngine"]),
        .testTarget(name: "HardModelsTests", dependencies: ["HardModels", "HardNN", "HardEngine"]),
        .testTarget(name: "HardDataTests", dependencies: ["HardData", "HardEngine"]),
        .testTarget(name: "HardTrainTests", dependencies: ["HardTrain", "HardData", "HardModels", "HardNN", "HardEngine"]),
    ],
    swiftLanguageModes: [.v5]
)
