// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "Peloton",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "peloton", targets: ["peloton"]),
        .library(name: "PelotonCrypto", targets: ["PelotonCrypto"]),
        .library(name: "PelotonWire", targets: ["PelotonWire"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
    ],
    targets: [
        // libsodium, found through pkg-config; Tools/bootstrap installs it on Debian.
        .systemLibrary(
            name: "CSodium",
            pkgConfig: "libsodium",
            providers: [.apt(["libsodium-dev"]), .brew(["libsodium"])]
        ),
        // Injected time and randomness shared by every protocol state machine; no dependencies.
        .target(name: "PelotonCore"),
        .target(name: "PelotonCrypto", dependencies: ["CSodium"]),
        .target(
            name: "PelotonWire",
            dependencies: ["PelotonCrypto", .product(name: "NIOCore", package: "swift-nio")]
        ),
        .target(name: "PelotonMembership", dependencies: ["PelotonCore", "PelotonCrypto", "PelotonWire"]),
        .target(
            name: "PelotonSimulator",
            dependencies: [
                "PelotonCore", "PelotonCrypto", "PelotonWire", "PelotonMembership",
                .product(name: "HeapModule", package: "swift-collections"),
            ]
        ),
        .executableTarget(
            name: "peloton",
            dependencies: [
                "PelotonCrypto", "PelotonWire", "PelotonMembership", "PelotonSimulator",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "PelotonBench",
            dependencies: ["PelotonCrypto", "PelotonWire", "PelotonMembership", "PelotonSimulator"]
        ),
        .testTarget(name: "PelotonCoreTests", dependencies: ["PelotonCore"]),
        .testTarget(name: "PelotonCryptoTests", dependencies: ["PelotonCrypto"]),
        .testTarget(name: "PelotonMembershipTests", dependencies: ["PelotonMembership", "PelotonCore", "PelotonCrypto", "PelotonWire"]),
        .testTarget(name: "PelotonSimulatorTests", dependencies: ["PelotonSimulator", "PelotonMembership"]),
        .testTarget(name: "PelotonWireTests", dependencies: ["PelotonWire", "PelotonCrypto", "PelotonCore"]),
    ],
    swiftLanguageModes: [.v6]
)
