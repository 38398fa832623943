// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "Peloton",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "peloton", targets: ["PelotonMain"]),
        // What a user's package depends on: services, state, events, jobs, the node, and
        // `PelotonCommand.main` for an executable of one's own with the whole command line.
        .library(name: "Peloton", targets: ["Peloton"]),
        .library(name: "PelotonCrypto", targets: ["PelotonCrypto"]),
        .library(name: "PelotonWire", targets: ["PelotonWire"]),
        // What a service author or a Swift client imports.
        .library(name: "PelotonServices", targets: ["PelotonServices"]),
        .library(name: "PelotonState", targets: ["PelotonState"]),
        .library(name: "PelotonEvents", targets: ["PelotonEvents"]),
        .library(name: "PelotonJobs", targets: ["PelotonJobs"]),
        .library(name: "PelotonNode", targets: ["PelotonNode"]),
        // What a user's tests depend on: a mesh of real nodes in the test process.
        .library(name: "PelotonTesting", targets: ["PelotonTesting"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.8.1"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.7.3"),
        // OTLP over HTTP only: the gRPC exporter would add grpc-swift to every build.
        .package(url: "https://github.com/swift-otel/swift-otel.git", from: "1.6.0", traits: ["OTLPHTTP"]),
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
        // Consistent-hash placement: pure, the same on every node for the same members.
        .target(name: "PelotonPlacement", dependencies: ["PelotonCrypto"]),
        // CRDTs, their wire form and the replication decisions. No I/O.
        .target(
            name: "PelotonState",
            dependencies: ["PelotonCore", "PelotonCrypto", "PelotonWire", "PelotonPlacement", .product(name: "DequeModule", package: "swift-collections")]
        ),
        // Event topics, the event wire form and gossip dissemination. No I/O.
        .target(
            name: "PelotonEvents",
            dependencies: ["PelotonCore", "PelotonCrypto", "PelotonWire", .product(name: "DequeModule", package: "swift-collections")]
        ),
        // Parallel jobs: the Job protocol, job records and the coordinator's decisions. No I/O.
        .target(name: "PelotonJobs"),
        // Services: typed handlers, routing decisions, de-duplication, reply rendering. No I/O.
        .target(
            name: "PelotonServices",
            dependencies: [
                "PelotonCore", "PelotonCrypto", "PelotonWire", "PelotonMembership", "PelotonPlacement", "PelotonState", "PelotonEvents",
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Mustache", package: "swift-mustache"),
            ]
        ),
        // The node's decisions (routing, state coordination), driven alike by the runtime and
        // the simulator. No I/O, no clocks, no global randomness.
        .target(
            name: "PelotonNodeCore",
            dependencies: ["PelotonCore", "PelotonCrypto", "PelotonEvents", "PelotonJobs", "PelotonPlacement", "PelotonServices", "PelotonState"]
        ),
        .target(
            name: "PelotonSimulator",
            dependencies: [
                "PelotonCore", "PelotonNodeCore", "PelotonCrypto", "PelotonWire", "PelotonMembership", "PelotonPlacement", "PelotonServices", "PelotonState", "PelotonEvents",
                "PelotonJobs", .product(name: "HeapModule", package: "swift-collections"),
            ]
        ),
        // The runtime shell: NIO sockets and timers, the HTTP API and metrics.
        .target(
            name: "PelotonNode",
            dependencies: [
                "PelotonCore", "PelotonNodeCore", "PelotonCrypto", "PelotonWire", "PelotonMembership", "PelotonPlacement", "PelotonServices", "PelotonState", "PelotonEvents",
                "PelotonJobs",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ]
        ),
        // The demo's services, written as any service author would.
        .target(name: "PelotonExamples", dependencies: ["PelotonServices", "PelotonState", "PelotonEvents", "PelotonJobs"]),
        // The command line (`node`, `call`, `state`, `job`, `simulate`, ...) for any set of
        // services, and the one import a service author needs.
        .target(
            name: "Peloton",
            dependencies: [
                "PelotonCrypto", "PelotonWire", "PelotonMembership", "PelotonSimulator", "PelotonNode", "PelotonNodeCore", "PelotonServices", "PelotonState", "PelotonEvents", "PelotonJobs",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "OTel", package: "swift-otel"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ]
        ),
        // The stock `peloton` binary: the command line with the demo's services.
        .executableTarget(name: "PelotonMain", dependencies: ["Peloton", "PelotonExamples"]),
        // The test kit for users' tests: real nodes in the test process (`LocalMesh`).
        .target(
            name: "PelotonTesting",
            dependencies: [
                "PelotonCrypto", "PelotonMembership", "PelotonNode", "PelotonServices", "PelotonState", "PelotonJobs",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Real node processes on loopback, for end-to-end tests and the real-mesh bench.
        .target(name: "PelotonProcessMesh", dependencies: ["PelotonNode", "PelotonCrypto", "PelotonTesting"]),
        .executableTarget(
            name: "PelotonBench",
            dependencies: [
                "PelotonCore", "PelotonCrypto", "PelotonWire", "PelotonMembership", "PelotonSimulator", "PelotonProcessMesh", "PelotonTesting", "PelotonPlacement",
                "PelotonNode", "PelotonServices", "PelotonExamples", "PelotonState", "PelotonJobs", .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(name: "PelotonCoreTests", dependencies: ["PelotonCore"]),
        .testTarget(name: "PelotonCryptoTests", dependencies: ["PelotonCrypto"]),
        .testTarget(name: "PelotonMembershipTests", dependencies: ["PelotonMembership", "PelotonCore", "PelotonCrypto", "PelotonWire"]),
        .testTarget(name: "PelotonNodeCoreTests", dependencies: ["PelotonNodeCore", "PelotonServices", "PelotonState", "PelotonCrypto", "PelotonCore", "PelotonJobs", "PelotonEvents", "PelotonPlacement"]),
        .testTarget(name: "PelotonSimulatorTests", dependencies: ["PelotonSimulator", "PelotonMembership", "PelotonState"]),
        .testTarget(
            name: "PelotonNodeTests",
            dependencies: [
                "PelotonNode", "PelotonProcessMesh", "PelotonTesting", "PelotonMembership", "PelotonCrypto", "PelotonWire", "PelotonCore", "PelotonServices",
                "PelotonExamples", "PelotonState", "PelotonEvents", "PelotonNodeCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(name: "PelotonTestingTests", dependencies: ["PelotonTesting", "PelotonExamples"]),
        .testTarget(name: "PelotonTests", dependencies: ["Peloton", "PelotonExamples"]),
        .testTarget(name: "PelotonPlacementTests", dependencies: ["PelotonPlacement", "PelotonCrypto", "PelotonCore"]),
        .testTarget(name: "PelotonServicesTests", dependencies: ["PelotonServices", "PelotonCrypto", "PelotonCore", "PelotonWire", "PelotonState"]),
        .testTarget(name: "PelotonEventsTests", dependencies: ["PelotonEvents", "PelotonCrypto", "PelotonCore", "PelotonWire"]),
        .testTarget(name: "PelotonJobsTests", dependencies: ["PelotonJobs", "PelotonExamples"]),
        .testTarget(name: "PelotonStateTests", dependencies: ["PelotonState", "PelotonCrypto", "PelotonCore", "PelotonWire"]),
        .testTarget(name: "PelotonWireTests", dependencies: ["PelotonWire", "PelotonCrypto", "PelotonCore"]),
    ],
    swiftLanguageModes: [.v6]
)
