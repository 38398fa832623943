import Foundation
import PelotonMembership
import PelotonSimulator

/// `Tools/bench membership`: the protocol's behaviour with memberlist's LAN defaults, measured
/// in the simulator (simulated seconds; the machine's speed does not change these numbers).
func runMembershipBench() throws {
    print("membership (simulator, memberlist LAN defaults: probe 1 s, timeout 500 ms, 3 indirect, suspicion ×4, gossip 200 ms × 3)")

    // 1. Crash detection: 16 nodes, one crash at a random moment, over 30 seeds.
    var firstSuspicion: [Double] = []
    var allDead: [Double] = []
    for seed in 1...30 as ClosedRange<UInt64> {
        var scenario = baseScenario(nodes: 16, seconds: 60, seed: seed)
        scenario.startJoined = true
        scenario.faults = [crash(node: Int(seed % 16), at: 20 + Double(seed % 10) * 0.1)]
        let report = Simulation(scenario: scenario).run()
        if let crash = report.crashes.first {
            if let value = crash.firstSuspicion { firstSuspicion.append(value) }
            if let value = crash.allDeclaredDead { allDead.append(value) }
        }
    }
    let suspicionMinimum = 4 * max(1, log10(16.0))
    print("  crash detection, 16 nodes, 30 seeds:")
    print("    first suspicion: mean \(format(mean(firstSuspicion))) probe periods (SWIM's expectation e/(e-1) = 1.58); p50 \(format(percentile(firstSuspicion, 0.5))), p99 \(format(percentile(firstSuspicion, 0.99)))")
    print("    dead in every view: mean \(format(mean(allDead))) s, p99 \(format(percentile(allDead, 0.99))) s (suspicion timeout minimum \(format(suspicionMinimum)) s; target ≤ timeout + 2 s = \(format(suspicionMinimum + 2 + 1.58)) s after the crash, counting first detection)")

    // 2. False positives: 16 nodes, 10 simulated minutes, 10% datagram loss.
    var lossy = baseScenario(nodes: 16, seconds: 600, seed: 11)
    lossy.network.loss = 0.10
    lossy.startJoined = true
    let lossyReport = Simulation(scenario: lossy).run()
    print("  10% loss, 16 nodes, 600 s: \(lossyReport.falseDeaths) healthy nodes declared dead (target 0); \(lossyReport.refutations) refuted suspicions")

    // 3. Spread: one update to 99.9% of 1,000 nodes.
    var large = baseScenario(nodes: 1000, seconds: 10, seed: 12)
    large.startJoined = true
    let spread = Simulation(scenario: large)
    spread.run(until: 5)
    let incarnation = spread.publishUpdate(from: 0)
    let publishedAt = spread.simulatedSeconds
    var reached: Double?
    var step = 0.0
    while step < 10 {
        step += 0.05
        spread.run(until: publishedAt + step)
        if Double(spread.nodesThatKnow(0, incarnation: incarnation)) >= 0.999 * 999 {
            reached = step
            break
        }
    }
    print("  one update reaches 99.9% of 1,000 nodes in \(reached.map { format($0) + " s" } ?? "more than 10 s") (target < 3 s)")

    // 4. Traffic per node as the mesh grows, and simulator speed (one core, release build).
    print("  steady state, 1% loss, formed mesh:")
    print("    nodes  bytes/node/s  datagrams/node/s  sim speed")
    for (nodes, seconds) in [(16, 300.0), (100, 300.0), (250, 120.0), (1000, 60.0)] {
        var steady = baseScenario(nodes: nodes, seconds: seconds, seed: 13)
        steady.startJoined = true
        steady.network.loss = 0.01
        let report = Simulation(scenario: steady).run()
        print("    \(pad(nodes, 5))  \(pad(format(report.bytesPerNodePerSecond), 12))  \(pad(format(report.datagramsPerNodePerSecond), 16))  \(pad(format(report.speedup), 7))× real time")
    }
}

func baseScenario(nodes: Int, seconds: Double, seed: UInt64) -> Scenario {
    let json = #"{"nodes": \#(nodes), "durationSeconds": \#(seconds), "seed": \#(seed), "network": {"latencyMilliseconds": 1, "jitterMilliseconds": 2}}"#
    // The literal above always decodes; a failure here is a bug in this file.
    return try! JSONDecoder().decode(Scenario.self, from: Data(json.utf8))
}

private func crash(node: Int, at seconds: Double) -> Scenario.Fault {
    let json = #"{"atSeconds": \#(seconds), "action": "crash", "nodes": [\#(node)]}"#
    return try! JSONDecoder().decode(Scenario.Fault.self, from: Data(json.utf8))
}

private func mean(_ values: [Double]) -> Double { values.isEmpty ? .nan : values.reduce(0, +) / Double(values.count) }

private func percentile(_ values: [Double], _ fraction: Double) -> Double {
    guard !values.isEmpty else { return .nan }
    let sorted = values.sorted()
    return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * fraction).rounded(.up)))]
}
