import Foundation
import PelotonProcessMesh
import PelotonSimulator

/// `Tools/bench membership-real`: N real `peloton node` processes (release build) on loopback
/// with the LAN defaults. Times come from polling every node's HTTP API (all nodes at once,
/// every 200 ms), so they carry up to ~0.2 s plus one poll round of resolution.
func runRealMeshBench() async throws {
    let binary = ProcessMesh.binary(configuration: "release")
    print("membership over real sockets (release peloton processes on 127.0.0.1, LAN defaults; seconds)")
    print("    nodes  join  crash→first suspect  crash→dead everywhere  leave→left everywhere  false deaths/refutations (30 s, 10% loss)  bytes/node/s (10% loss)  datagrams/node/s")
    for count in [8, 16, 32] {
        let figures = try await measureRealMesh(nodes: count, binary: binary)
        let line = [pad(count, 5), pad(format(figures.join), 4), pad(format(figures.firstSuspicion), 19), pad(format(figures.allDead), 21),
                    pad(format(figures.leave), 21), pad("\(figures.falseDeaths)/\(figures.refutations)", 42), pad(format(figures.bytesPerNodePerSecond), 23),
                    pad(format(figures.datagramsPerNodePerSecond), 16)]
        print("    " + line.joined(separator: "  "))
    }
}

private struct RealMeshFigures {
    var join = Double.nan
    var firstSuspicion = Double.nan
    var allDead = Double.nan
    var leave = Double.nan
    var falseDeaths = 0
    var refutations = 0
    var bytesPerNodePerSecond = Double.nan
    var datagramsPerNodePerSecond = Double.nan
}

private func measureRealMesh(nodes count: Int, binary: String) async throws -> RealMeshFigures {
    var figures = RealMeshFigures()
    // Crash and leave on a clean network.
    do {
        let mesh = try ProcessMesh(binary: binary)
        try mesh.start("n0", logLevel: "warning")
        // Joiners need a listening seed, as an operator would start them; the join time runs
        // from launching them.
        guard await mesh.waitUntil(seconds: 10, { await mesh.health(of: 0) != nil }) else { return figures }
        let started = Date()
        for index in 1..<count { try mesh.start("n\(index)", seed: 0, logLevel: "warning") }
        guard await mesh.waitUntil(seconds: 60, { await allSee(mesh, alive: count, among: Array(0..<count)) }) else {
            print("    \(count) nodes did not converge within 60 s")
            return figures
        }
        figures.join = Date().timeIntervalSince(started)
        try await Task.sleep(for: .seconds(3))

        let victim = count - 1
        let observers = Array(0..<(count - 2))
        let crashed = Date()
        mesh.kill(victim)
        var sawSuspicion = false
        let dead = await mesh.waitUntil(seconds: 60) {
            // All observers are asked at once, so one round stays short with 32 processes.
            let statuses = await mesh.statuses(of: "n\(victim)", seenBy: observers)
            if !sawSuspicion, statuses.contains(where: { $0 == "suspect" || $0 == "dead" }) {
                sawSuspicion = true
                figures.firstSuspicion = Date().timeIntervalSince(crashed)
            }
            return statuses.allSatisfy { $0 == "dead" }
        }
        if dead { figures.allDead = Date().timeIntervalSince(crashed) }

        let leaver = count - 2
        let leaving = Date()
        mesh.kill(leaver, signal: SIGTERM, wait: false)
        let left = await mesh.waitUntil(seconds: 30) {
            await mesh.statuses(of: "n\(leaver)", seenBy: observers).allSatisfy { $0 == "left" }
        }
        if left { figures.leave = Date().timeIntervalSince(leaving) }
    }
    // False positives and traffic at 10% injected loss on every node's inbound datagrams.
    do {
        let mesh = try ProcessMesh(binary: binary)
        try mesh.start("n0", extra: ["--inject-loss", "0.1"], logLevel: "warning")
        guard await mesh.waitUntil(seconds: 10, { await mesh.health(of: 0) != nil }) else { return figures }
        for index in 1..<count { try mesh.start("n\(index)", seed: 0, extra: ["--inject-loss", "0.1"], logLevel: "warning") }
        guard await mesh.waitUntil(seconds: 60, { await allSee(mesh, alive: count, among: Array(0..<count)) }) else { return figures }
        // Let the join's own gossip (every alive update, with its certificate) die down first:
        // the window measures a settled mesh.
        try await Task.sleep(for: .seconds(5))
        let bytesBefore = await totalCounter(mesh, "peloton_datagram_bytes_total{direction=\"out\"}", count)
        let datagramsBefore = await totalCounter(mesh, "peloton_datagrams_total{direction=\"out\"}", count)
        let refutationsBefore = await totalCounter(mesh, "peloton_false_suspicions_refuted_total", count)
        let windowStart = Date()
        try await Task.sleep(for: .seconds(30))
        let seconds = Date().timeIntervalSince(windowStart)
        let bytesAfter = await totalCounter(mesh, "peloton_datagram_bytes_total{direction=\"out\"}", count)
        figures.refutations = Int(await totalCounter(mesh, "peloton_false_suspicions_refuted_total", count) - refutationsBefore)
        figures.bytesPerNodePerSecond = (bytesAfter - bytesBefore) / Double(count) / seconds
        let datagramsAfter = await totalCounter(mesh, "peloton_datagrams_total{direction=\"out\"}", count)
        figures.datagramsPerNodePerSecond = (datagramsAfter - datagramsBefore) / Double(count) / seconds
        for index in 0..<count {
            figures.falseDeaths += await mesh.members(of: index)?.members.filter { $0.status == "dead" }.count ?? 0
        }
    }
    return figures
}

private func allSee(_ mesh: ProcessMesh, alive count: Int, among nodes: [Int]) async -> Bool {
    await mesh.aliveCounts(seenBy: nodes).allSatisfy { $0 == count }
}

/// The sum over nodes of one Prometheus sample, by its exact name and labels.
private func totalCounter(_ mesh: ProcessMesh, _ sample: String, _ count: Int) async -> Double {
    var total = 0.0
    for index in 0..<count {
        for line in await mesh.metrics(of: index).split(separator: "\n") where line.hasPrefix(sample + " ") {
            total += Double(line.dropFirst(sample.count + 1)) ?? 0
        }
    }
    return total
}
