import Foundation
import PelotonLocalMesh
import PelotonSimulator

/// `Tools/bench routing-ab` (with `ROUTING_BASELINE_BINARY=/path/to/another/peloton`): the
/// calls of `routing` (a: answered where received, b: forwarded), for this build's `peloton`
/// and another, in alternating rounds of one 3-node mesh at a time, so both see the same
/// machine. Identical binaries differ by a few percent between rounds on this machine: read the
/// ratio of the medians, not one round.
func runRoutingABBench() async throws {
    guard let other = ProcessInfo.processInfo.environment["ROUTING_BASELINE_BINARY"] else {
        print("routing-ab: set ROUTING_BASELINE_BINARY to the peloton binary to compare with")
        return
    }
    let binaries = [("this build", LocalMesh.binary(configuration: "release")), ("baseline", other)]
    let rounds = 4
    let connections = 32
    let seconds = 8
    print("routing A/B (wrk, \(connections) connections, \(seconds) s per run, \(rounds) alternating rounds)")
    var results: [String: (local: [WrkResult], forwarded: [WrkResult])] = [:]
    for round in 1...rounds {
        // Alternate which goes first, so neither always runs on a warmer machine.
        for (name, binary) in round % 2 == 1 ? binaries : binaries.reversed() {
            guard let echo = try await EchoMesh.start(binary: binary) else { continue }
            defer { echo.stop() }
            let local = try wrk(url: echo.mesh.nodes[echo.owner].url + EchoMesh.path, script: echo.script.path, connections: connections, seconds: seconds)
            let forwarded = try wrk(
                url: echo.mesh.nodes[echo.outsider].url + EchoMesh.path, script: echo.script.path, connections: connections, seconds: seconds)
            results[name, default: ([], [])].local.append(local)
            results[name, default: ([], [])].forwarded.append(forwarded)
            print("    round \(round) \(name.padding(toLength: 10, withPad: " ", startingAt: 0))  local \(format(local.requestsPerSecond))/s"
                  + " (p50 \(format(local.p50Milliseconds)) p99 \(format(local.p99Milliseconds)) ms)  forwarded \(format(forwarded.requestsPerSecond))/s"
                  + " (p50 \(format(forwarded.p50Milliseconds)) p99 \(format(forwarded.p99Milliseconds)) ms)  errors \(local.errors + forwarded.errors)")
        }
    }
    func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return .nan }
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }
    guard let new = results["this build"], let old = results["baseline"] else { return }
    for (label, newRuns, oldRuns) in [("local", new.local, old.local), ("forwarded", new.forwarded, old.forwarded)] {
        let newRate = median(newRuns.map(\.requestsPerSecond))
        let oldRate = median(oldRuns.map(\.requestsPerSecond))
        let newP99 = median(newRuns.map(\.p99Milliseconds))
        let oldP99 = median(oldRuns.map(\.p99Milliseconds))
        print("    \(label): median \(format(newRate))/s vs \(format(oldRate))/s = \(format(100 * newRate / max(oldRate, 1)))%;"
              + " median p99 \(format(newP99)) vs \(format(oldP99)) ms")
    }
}
