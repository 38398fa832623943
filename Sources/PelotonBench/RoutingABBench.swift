import Foundation
import Hummingbird
import PelotonProcessMesh
import PelotonSimulator
import PelotonTesting
import Synchronization

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
    try await compareRouting(
        "routing A/B", [("this build", ProcessMesh.binary(configuration: "release"), []), ("baseline", other, [])])
}

/// `Tools/bench tracing`: the same calls with tracing off and on (every request a trace of
/// four spans, exported over OTLP/HTTP to a sink in this process), in alternating rounds.
func runTracingBench() async throws {
    let sink = try await OTLPSink()
    let binary = ProcessMesh.binary(configuration: "release")
    try await compareRouting(
        "tracing on/off", [("tracing on", binary, ["--otel-endpoint", sink.endpoint]), ("off", binary, [])])
    print("    the sink took \(sink.exports) exports, \(sink.bytes / 1_000_000) MB of spans")
    await sink.stop()
}

/// Runs the routing calls for each variant (a name, a `peloton` binary, extra node flags) in
/// alternating rounds and prints the first variant's medians as a ratio of the second's.
private func compareRouting(_ title: String, _ variants: [(name: String, binary: String, extra: [String])]) async throws {
    let rounds = 4
    let connections = 32
    let seconds = 8
    print("\(title) (wrk, \(connections) connections, \(seconds) s per run, \(rounds) alternating rounds)")
    var results: [String: (local: [WrkResult], forwarded: [WrkResult])] = [:]
    for round in 1...rounds {
        // Alternate which goes first, so neither always runs on a warmer machine.
        for variant in round % 2 == 1 ? variants : variants.reversed() {
            guard let echo = try await EchoMesh.start(binary: variant.binary, extra: variant.extra) else { continue }
            defer { echo.stop() }
            let local = try wrk(url: echo.mesh.nodes[echo.owner].url + EchoMesh.path, script: echo.script.path, connections: connections, seconds: seconds)
            let forwarded = try wrk(
                url: echo.mesh.nodes[echo.outsider].url + EchoMesh.path, script: echo.script.path, connections: connections, seconds: seconds)
            results[variant.name, default: ([], [])].local.append(local)
            results[variant.name, default: ([], [])].forwarded.append(forwarded)
            print("    round \(round) \(variant.name.padding(toLength: 10, withPad: " ", startingAt: 0))  local \(format(local.requestsPerSecond))/s"
                  + " (p50 \(format(local.p50Milliseconds)) p99 \(format(local.p99Milliseconds)) ms)  forwarded \(format(forwarded.requestsPerSecond))/s"
                  + " (p50 \(format(forwarded.p50Milliseconds)) p99 \(format(forwarded.p99Milliseconds)) ms)  errors \(local.errors + forwarded.errors)")
        }
    }
    func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return .nan }
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }
    guard let first = variants.first, let second = variants.last, let new = results[first.name], let old = results[second.name] else { return }
    for (label, newRuns, oldRuns) in [("local", new.local, old.local), ("forwarded", new.forwarded, old.forwarded)] {
        let newRate = median(newRuns.map(\.requestsPerSecond))
        let oldRate = median(oldRuns.map(\.requestsPerSecond))
        let newP50 = median(newRuns.map(\.p50Milliseconds))
        let oldP50 = median(oldRuns.map(\.p50Milliseconds))
        let newP99 = median(newRuns.map(\.p99Milliseconds))
        let oldP99 = median(oldRuns.map(\.p99Milliseconds))
        print("    \(label): median \(format(newRate))/s vs \(format(oldRate))/s = \(format(100 * newRate / max(oldRate, 1)))%;"
              + " median p50 \(format(newP50)) vs \(format(oldP50)) ms; median p99 \(format(newP99)) vs \(format(oldP99)) ms")
    }
}

/// An OTLP/HTTP endpoint that takes span exports and counts them, for the tracing bench.
private final class OTLPSink: Sendable {
    private final class Tally: Sendable {
        let counts = Mutex((exports: 0, bytes: 0))
    }

    private let tally = Tally()
    private let server: LoopbackHTTPServer
    var endpoint: String { server.url }

    var exports: Int { tally.counts.withLock { $0.exports } }
    var bytes: Int { tally.counts.withLock { $0.bytes } }

    init() async throws {
        let router = Router()
        let tally = tally
        router.post("/v1/traces") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 64 << 20)
            tally.counts.withLock { $0 = ($0.exports + 1, $0.bytes + body.readableBytes) }
            return Response(status: .ok)
        }
        server = try await LoopbackHTTPServer(router, label: "otlp-sink")
    }

    func stop() async { await server.stop() }
}
