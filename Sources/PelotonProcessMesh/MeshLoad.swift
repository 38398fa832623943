import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import PelotonCrypto
import Synchronization

/// Steady client traffic against a local mesh, for the rolling-restart test and bench: each
/// worker alternates a routed call (`echo.upper`) and a counter increment at quorum, as a
/// client that knows every node's address would. A request whose node does not answer at all
/// (it is restarting) goes to the next node, under the same request id for calls; only a
/// request that no node completes by its deadline, or that gets an error status, is an error
/// the client sees.
public final class MeshLoad: Sendable {
    public struct Sample: Sendable {
        /// Which part of the run it fell in (`steady`, `restarting`).
        public let phase: String
        public let seconds: Double
        /// Status and body of an error, or why no node answered; nil for a success.
        public let failure: String?

        public var succeeded: Bool { failure == nil }
    }

    public struct Report: Sendable {
        public let samples: [Sample]
        /// Increments each counter key acknowledged at quorum.
        public let acknowledged: [String: Int]
        /// Increments that may have run without an acknowledgement: sent to a node that broke
        /// the connection, or answered with an error. A read may count them or not.
        public let uncertain: [String: Int]

        public var errors: [Sample] { samples.filter { !$0.succeeded } }

        /// The `fraction` percentile of the successful requests' latency in `phase`, in ms.
        public func latencyMilliseconds(_ phase: String, percentile fraction: Double) -> Double? {
            let sorted = samples.filter { $0.phase == phase && $0.succeeded }.map(\.seconds).sorted()
            guard !sorted.isEmpty else { return nil }
            return sorted[min(sorted.count - 1, Int(Double(sorted.count) * fraction))] * 1000
        }

        public func count(_ phase: String) -> Int { samples.filter { $0.phase == phase }.count }
    }

    private struct State {
        var phase = "steady"
        var samples: [Sample] = []
        var acknowledged: [String: Int] = [:]
        var uncertain: [String: Int] = [:]
        var stopped = false
    }

    public let urls: [String]
    public let keys: [String]
    public let deadlineSeconds: Double
    private let state = Mutex(State())

    /// `urls`: every node's HTTP address; `keys`: the counter keys increments spread over.
    public init(urls: [String], keys: [String], deadlineSeconds: Double = 5) {
        self.urls = urls
        self.keys = keys
        self.deadlineSeconds = deadlineSeconds
    }

    public func setPhase(_ phase: String) { state.withLock { $0.phase = phase } }

    /// Runs `workers` clients until `stop()`, then returns what they saw.
    public func run(workers: Int) async -> Report {
        await withTaskGroup(of: Void.self) { group in
            for worker in 0..<workers {
                group.addTask { await self.work(worker) }
            }
        }
        return state.withLock { Report(samples: $0.samples, acknowledged: $0.acknowledged, uncertain: $0.uncertain) }
    }

    public func stop() { state.withLock { $0.stopped = true } }

    private var isStopped: Bool { state.withLock { $0.stopped } }

    private func work(_ worker: Int) async {
        var turn = worker
        while !isStopped {
            turn += 1
            let started = ContinuousClock.now
            let phase = state.withLock { $0.phase }
            let failure: String?
            if turn % 2 == 0 {
                // 32 hex digits, as `RequestID` prints them.
                let words = secureRandomWords()
                let id = NodeID(high: words.high, low: words.low).description
                failure = await send("/v1/call/echo/upper?timeout_ms=\(Int(deadlineSeconds * 1000))", body: #"{"text":"load"}"#, requestID: id, first: turn).failure
            } else {
                let key = keys[turn % keys.count]
                // One id for every attempt: a node that took the write never applies it again.
                let words = secureRandomWords()
                let id = NodeID(high: words.high, low: words.low).description
                let outcome = await send("/v1/state/counter/\(key)/increment?level=quorum&timeout_ms=\(Int(deadlineSeconds * 1000))", body: #"{"by":1}"#, requestID: id, first: turn)
                failure = outcome.failure
                state.withLock { state in
                    if failure == nil { state.acknowledged[key, default: 0] += 1 }
                    if failure != nil || outcome.brokenConnections > 0 { state.uncertain[key, default: 0] += 1 }
                }
            }
            let elapsed = ContinuousClock.now - started
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            state.withLock { $0.samples.append(Sample(phase: phase, seconds: seconds, failure: failure)) }
        }
    }

    /// POSTs `path` to the nodes in turn, from `first`, until one answers or the deadline
    /// passes: nil failure on a 2xx answer.
    private func send(_ path: String, body: String, requestID: String?, first: Int) async -> (failure: String?, brokenConnections: Int) {
        let deadline = ContinuousClock.now + .milliseconds(Int64(deadlineSeconds * 1000))
        var attempt = first
        var lastError = "no node answered"
        var broken = 0
        while ContinuousClock.now < deadline {
            guard let url = URL(string: urls[attempt % urls.count] + path) else { return ("bad URL", broken) }
            attempt += 1
            var request = URLRequest(url: url, timeoutInterval: deadlineSeconds)
            request.httpMethod = "POST"
            request.httpBody = Data(body.utf8)
            if let requestID { request.setValue(requestID, forHTTPHeaderField: "X-Request-Id") }
            do {
                let (data, response) = try await URLSession.shared.data(for: request)
                guard let http = response as? HTTPURLResponse else { return ("not HTTP", broken) }
                if (200..<300).contains(http.statusCode) { return (nil, broken) }
                // A stopping node's refusal: nothing ran, so the next node may take it.
                if http.statusCode == 503, http.value(forHTTPHeaderField: "Retry-After") != nil {
                    lastError = "refused by a stopping node"
                    continue
                }
                return ("\(http.statusCode) \(String(decoding: data.prefix(200), as: UTF8.self))", broken)
            } catch {
                // Refused (the node is down) or broken mid-request: the next node, at once for
                // a refusal, after a moment otherwise.
                lastError = "\(error.localizedDescription)"
                let refused = (error as? URLError)?.code == .cannotConnectToHost
                if !refused { broken += 1 }
                try? await Task.sleep(for: .milliseconds(refused ? 0 : 50))
            }
        }
        return ("deadline passed: \(lastError)", broken)
    }
}
