import Foundation
import PelotonCore
import PelotonSimulator

/// `Tools/bench scale`: how far the simulator goes on this machine: speed and memory per
/// member-table entry for formed meshes of 1,000 and 10,000 nodes (release build, one core).
func runScaleBench() throws {
    print("simulator scale (formed mesh, 1% loss, memberlist LAN defaults, one core)")
    print("    nodes  start wall s  simulated s  run wall s  sim speed  peak RSS  bytes/entry")
    for (nodes, seconds) in [(1_000, 60.0), (10_000, 30.0)] {
        var scenario = baseScenario(nodes: nodes, seconds: seconds, seed: 21)
        scenario.startJoined = true
        scenario.network.loss = 0.01
        let baseline = residentBytes(peak: false)
        let simulation = Simulation(scenario: scenario)
        // Starting N nodes from a formed mesh builds N² table entries; time it apart from
        // the protocol's own running speed.
        let startWall = wallSeconds { simulation.run(until: 0) }
        let runWall = wallSeconds { simulation.run(until: seconds) }
        let report = simulation.report(wallSeconds: runWall)
        let peak = residentBytes(peak: true)
        // Every node holds an entry for each other node: N × (N - 1) entries.
        let perEntry = Double(peak - baseline) / Double(nodes * (nodes - 1))
        let line = [pad(nodes, 5), pad(format(startWall), 12), pad(format(seconds), 11), pad(format(runWall), 10),
                    pad(format(report.speedup) + "×", 9), pad(format(Double(peak) / 1_073_741_824) + " GiB", 8), pad(format(perEntry), 11)]
        print("    " + line.joined(separator: "  "))
        print("      converged: \(report.convergedAtEnd ? "yes" : "no"), false deaths \(report.falseDeaths), violations \(report.violations.count)")
    }
}

private func wallSeconds(_ body: () -> Void) -> Double {
    let started = ContinuousClock.now
    body()
    let elapsed = ContinuousClock.now - started
    return elapsed.secondsDouble
}

/// Resident memory from /proc/self/status: the current size, or the peak so far.
private func residentBytes(peak: Bool) -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    let key = peak ? "VmHWM:" : "VmRSS:"
    for line in status.split(separator: "\n") where line.hasPrefix(key) {
        let kilobytes = line.dropFirst(key.count).split(whereSeparator: \.isWhitespace).first.flatMap { Int($0) } ?? 0
        return kilobytes * 1024
    }
    return 0
}
