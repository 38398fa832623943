// swift-tools-version: 6.1
import PackageDescription

// A small shop on Peloton: a keyed inventory service, its own node binary (`shop`), and tests
// that run it on a mesh of real nodes in the test process.
let package = Package(
    name: "Inventory",
    platforms: [.macOS(.v14)],
    dependencies: [
        // Inside this repository; a package of your own names Peloton by its git URL and a version.
        .package(name: "Peloton", path: "../.."),
    ],
    targets: [
        .target(name: "Inventory", dependencies: [.product(name: "Peloton", package: "Peloton")]),
        .executableTarget(name: "shop", dependencies: ["Inventory", .product(name: "Peloton", package: "Peloton")]),
        .testTarget(name: "InventoryTests", dependencies: ["Inventory", .product(name: "PelotonTesting", package: "Peloton")]),
    ],
    swiftLanguageModes: [.v6]
)
