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
    ],
    targets: [
        // C wall: the oneDNN C API (Debian: libdnnl-dev, oneDNN 2.6).
        .systemLibrary(
            name: "CDNNL",
            path: "Sources/CDNNL",
            providers: [.apt(["libdnnl-dev"]), .brew(["onednn"])]
        ),
        // Tensor, reverse-mode autodiff, the op set and its two backends.
        .target(name: "HardEngine", dependencies: ["CDNNL"], swiftSettings: optimized),
        // Modules, layers, losses, optimizers, schedules.
        .target(name: "HardNN", dependencies: ["HardEngine"], swiftSettings: optimized),
        // HARD's blocks, the five variants, complexity, checkpoints.
        .target(name: "HardModels", dependencies: ["HardEngine", "HardNN"], swiftSettings: optimized),
        // The command-line tool: parses and delegates.
        .executableTarget(
            name: "hard",
            dependencies: [
                "HardEngine", "HardNN", "HardModels",
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
    ],
    swiftLanguageModes: [.v5]
)
