import PelotonCore
import PelotonCrypto
import PelotonPlacement
import PelotonSimulator

/// `Tools/bench placement`: how evenly keys spread for each number of points per member, what
/// a ring costs to build, and how fast a lookup is. The default (128 points) comes from here.
func runPlacementBench() async throws {
    var random = SeededRandom(seed: 2026)
    let keys = (0..<200_000).map { PlacementKey(service: "kv", key: "key-\($0)") }
    print("placement: keys per member, standard deviation over the mean (200,000 keys), and ring build time")
    print("    points/member  16 members  100 members  build 1,000 members (ms)")
    for points in [16, 64, 128, 256, 512] {
        var spreads: [String] = []
        for count in [16, 100] {
            let members = (0..<count).map { _ in NodeID(high: random.next(), low: random.next()) }
            let ring = HashRing(members: members, virtualNodes: points)
            var perMember: [NodeID: Int] = [:]
            for key in keys { perMember[ring.owners(of: key, count: 1)[0], default: 0] += 1 }
            let mean = Double(keys.count) / Double(count)
            let variance = members.map { Double(perMember[$0] ?? 0) - mean }.map { $0 * $0 }.reduce(0, +) / Double(count)
            spreads.append(format(100 * variance.squareRoot() / mean) + "%")
        }
        let thousand = (0..<1_000).map { _ in NodeID(high: random.next(), low: random.next()) }
        let clock = ContinuousClock()
        let built = clock.measure { _ = HashRing(members: thousand, virtualNodes: points) }
        print("    " + [pad(points, 13), pad(spreads[0], 10), pad(spreads[1], 11), pad(format(built.secondsDouble * 1000), 24)].joined(separator: "  "))
    }
    let ring = HashRing(members: (0..<100).map { _ in NodeID(high: random.next(), low: random.next()) })
    var index = 0
    let lookups = measure("owners(of:count: 3), 100 members", iterations: 200_000) {
        index = (index + 1) % keys.count
        _ = ring.owners(of: keys[index], count: 3)
    }
    print("    \(lookups.name): \(format(lookups.median / 1e6)) million per second (\(format(lookups.spread.low / 1e6))–\(format(lookups.spread.high / 1e6)))")
    let hashes = measure("PlacementKey(service:key:)", iterations: 200_000) {
        index += 1
        _ = PlacementKey(service: "kv", key: "user-\(index)")
    }
    print("    \(hashes.name): \(format(hashes.median / 1e6)) million per second")
}
