import PelotonCore
import PelotonCrypto
import PelotonMembership
import PelotonNodeCore
import PelotonPlacement
import PelotonServices

/// Client calls through the simulated mesh, routed by the runtime's own rules: owners from
/// `ServicePlacement` over the entry node's own view, each call a `RoutedCall` at its entry
/// node, and each owner's `RequestLedger` against running a request twice. This file only
/// moves the messages and checks the outcome. Calls travel like stream traffic:
/// no loss, but cut by crashes (the caller hears a reset after one trip) and partitions (the
/// caller hears nothing and its attempt times out).
struct CallTraffic {
    static let service = "simulated"
    static let refused = "connection refused"

    struct Call {
        let id: RequestID
        let key: String
        var entry: Int
        let issuedAt: Int64
        var routed: RoutedCall
        /// 0 for the client's first try, 1 for its retry with the same id.
        var round = 0
        var finishedAt: Int64?
        var failure: CallFailure?
    }

    enum Event {
        case issue
        case arrive(call: Int, round: Int, owner: Int)
        case handlerDone(owner: Int, life: Int, request: RequestID)
        /// What came of the attempt at `owner` reaches the entry node.
        case answer(call: Int, round: Int, owner: Int, RoutedCall.Answer)
        /// The client tries an uncertain call again, with the same id.
        case retry(call: Int)

        /// The node whose process handles this event.
        func node(in traffic: CallTraffic) -> Int? {
            switch self {
            case .issue, .retry: nil
            case let .arrive(_, _, owner), let .handlerDone(owner, _, _): owner
            case let .answer(call, _, _, _): traffic.calls[call].entry
            }
        }
    }

    let load: Scenario.CallLoad
    let entries: [Int]
    var calls: [Call] = []
    /// Each node's ledger and the life it belongs to: a restarted node remembers nothing.
    var ledgers: [(life: Int, ledger: RequestLedger<Bool>, waiting: [RequestID: [(call: Int, round: Int)]])]
    /// (request, owner) pairs that ran a handler, to prove none ran twice on one owner.
    var executions: Set<Execution> = []
    var doubleRuns: [String] = []
    /// Each entry node's ring, kept as the runtime keeps it: until its view changes, and for
    /// at most a second.
    var rings: [Int: (ring: HashRing, replicas: Int, validUntil: Int64)] = [:]

    struct Execution: Hashable {
        let request: RequestID
        let owner: Int
    }
    /// Requests that ran a handler on some owner: with a service that is not idempotent, none
    /// may run on a second one.
    var ranSomewhere: Set<RequestID> = []

    init(load: Scenario.CallLoad, scenario: Scenario) {
        self.load = load
        entries = Scenario.Fault.entryNodes(of: scenario)
        ledgers = Array(repeating: (0, RequestLedger(), [:]), count: scenario.nodes)
    }
}

extension Simulation {
    func scheduleCalls() {
        guard let load = scenario.calls else { return }
        calls = CallTraffic(load: load, scenario: scenario)
        schedule(.call(.issue), at: Int64(load.fromSeconds * 1e9))
    }

    func handle(_ event: CallTraffic.Event) {
        guard var traffic = calls.take() else { return }
        defer { calls = traffic }
        switch event {
        case .issue:
            issueCall(&traffic)
        case let .arrive(call, round, owner):
            arrive(&traffic, call: call, round: round, owner: owner)
        case let .handlerDone(owner, life, request):
            guard nodes[owner].isRunning, nodes[owner].life == life, traffic.ledgers[owner].life == life else { return }
            traffic.ledgers[owner].ledger.finish(request, reply: true, deadline: Instant(nanoseconds: now), at: Instant(nanoseconds: now))
            for waiter in traffic.ledgers[owner].waiting.removeValue(forKey: request) ?? [] {
                reply(&traffic, call: waiter.call, round: waiter.round, from: owner)
            }
        case let .answer(call, round, owner, answer):
            guard traffic.calls[call].round == round,
                  let step = traffic.calls[call].routed.receive(answer, from: nodes[owner].id, at: Instant(nanoseconds: now))
            else { return }
            take(step, &traffic, call: call)
        case let .retry(call):
            retry(&traffic, call: call)
        }
    }

    private func issueCall(_ traffic: inout CallTraffic) {
        let load = traffic.load
        let lastIssue = load.untilSeconds ?? (scenario.durationSeconds - load.budgetMilliseconds / 1000)
        if let entry = entryNode(&traffic) {
            let key = "key-\(random.next() % 1_000_000)"
            let id = RequestID(high: seed, low: UInt64(traffic.calls.count))
            let routed = route(id, key: key, at: entry, &traffic)
            traffic.calls.append(CallTraffic.Call(id: id, key: key, entry: entry, issuedAt: now, routed: routed.routed))
            take(routed.step, &traffic, call: traffic.calls.count - 1)
        }
        let next = now + Int64(1e9 / load.perSecond)
        if Double(next) / 1e9 <= lastIssue { schedule(.call(.issue), at: next) }
    }

    /// A random entry node, as a client behind a health check picks one: never a node that is
    /// paused, draining or leaving.
    private func entryNode(_ traffic: inout CallTraffic) -> Int? {
        let running = traffic.entries.filter { entry in
            !nodes[entry].paused && (nodes[entry].membership.map { !$0.isLeaving && !$0.metadata.isDraining } ?? false)
        }
        return running.isEmpty ? nil : running[Int(random.next() % UInt64(running.count))]
    }

    /// Call `id` to `key` as `entry` routes it, from its own view, and its first step.
    private func route(_ id: RequestID, key: String, at entry: Int, _ traffic: inout CallTraffic) -> (routed: RoutedCall, step: RoutedCall.Step) {
        let load = traffic.load
        let owners: [NodeID]
        if let view = nodes[entry].membership {
            let (ring, replicas) = ring(of: entry, view: view, traffic: &traffic)
            owners = ring.owners(of: .init(service: CallTraffic.service, key: key), count: replicas)
        } else {
            owners = []
        }
        let deadline = Instant(nanoseconds: now) + .nanoseconds(Int64(load.budgetMilliseconds * 1e6))
        var routed = RoutedCall(
            id: id, owners: owners, deadline: deadline, attemptTimeout: .nanoseconds(Int64(load.attemptTimeoutMilliseconds * 1e6)),
            reissuesInDoubt: load.idempotent)
        let step = routed.start(at: Instant(nanoseconds: now))
        return (routed, step)
    }

    /// The client's one retry of an uncertain call: the same id, through a random entry node.
    private func retry(_ traffic: inout CallTraffic, call: Int) {
        guard let entry = entryNode(&traffic) else { return }
        let routed = route(traffic.calls[call].id, key: traffic.calls[call].key, at: entry, &traffic)
        traffic.calls[call].round += 1
        traffic.calls[call].entry = entry
        traffic.calls[call].routed = routed.routed
        traffic.calls[call].finishedAt = nil
        traffic.calls[call].failure = nil
        take(routed.step, &traffic, call: call)
    }

    private func ring(of entry: Int, view: Membership, traffic: inout CallTraffic) -> (HashRing, Int) {
        if let cached = traffic.rings[entry], cached.validUntil > now { return (cached.ring, cached.replicas) }
        let replicas = traffic.load.replicas
        // A draining (or leaving) entry node routes, but does not choose itself.
        let placeable = !view.isLeaving && !view.metadata.isDraining
        let (ring, count) = ServicePlacement.ring(
            localID: nodes[entry].id, localReplicas: placeable ? replicas : nil, members: view.members, virtualNodes: HashRing.defaultVirtualNodes,
            replicasOffered: { _ in replicas })
        traffic.rings[entry] = (ring, count, now + 1_000_000_000)
        return (ring, count)
    }

    /// Carries out the entry node's next step for `call`: end it, or send the attempt (and
    /// hear a time-out at its limit if nothing came before).
    private func take(_ step: RoutedCall.Step, _ traffic: inout CallTraffic, call: Int) {
        switch step {
        case let .finished(finish):
            traffic.calls[call].finishedAt = now
            if case let .failure(failure) = finish.reply.outcome {
                traffic.calls[call].failure = failure
                trace.mix(0xFA11_0000_0000_0000 | UInt64(call))
                if failure.code == .uncertain, traffic.calls[call].round == 0, let delay = traffic.load.retryUncertainAfterMilliseconds {
                    schedule(.call(.retry(call: call)), at: now + Int64(delay * 1e6))
                }
            } else {
                trace.mix(0xCA11_0000_0000_0000 | UInt64(call))
            }
        case let .attempt(owner, until):
            guard let index = indexByID[owner] else { return }
            let entry = traffic.calls[call].entry
            let round = traffic.calls[call].round
            schedule(.call(.answer(call: call, round: round, owner: index, .noAnswer("timed out"))), at: until.nanoseconds)
            guard !blocked(from: entry, to: index) else { return }
            schedule(.call(.arrive(call: call, round: round, owner: index)), at: now + callLatency(from: entry, to: index))
        }
    }

    /// The owner's reply travels back to the entry node, unless the way is cut.
    private func reply(_ traffic: inout CallTraffic, call: Int, round: Int, from owner: Int) {
        // The reply goes back over the connection the request came on: to the entry node of
        // that round, which is gone when the client has moved on.
        guard traffic.calls[call].round == round else { return }
        let entry = traffic.calls[call].entry
        guard !blocked(from: owner, to: entry) else { return }
        let reply = CallReply(id: traffic.calls[call].id, outcome: .success(RenderedReply(contentType: "application/octet-stream", body: [])))
        schedule(.call(.answer(call: call, round: round, owner: owner, .replied(reply))), at: now + callLatency(from: owner, to: entry))
    }

    private func arrive(_ traffic: inout CallTraffic, call: Int, round: Int, owner: Int) {
        guard traffic.calls[call].round == round else { return }
        let entry = traffic.calls[call].entry
        guard nodes[owner].isRunning else {
            // Nothing listens: the connection is reset, and the caller hears it one trip later.
            schedule(.call(.answer(call: call, round: round, owner: owner, .notSent(CallTraffic.refused))), at: now + callLatency(from: owner, to: entry))
            return
        }
        if traffic.ledgers[owner].life != nodes[owner].life {
            traffic.ledgers[owner] = (nodes[owner].life, RequestLedger(), [:])
        }
        let id = traffic.calls[call].id
        switch traffic.ledgers[owner].ledger.admit(id, at: Instant(nanoseconds: now)) {
        case .run:
            if !traffic.executions.insert(CallTraffic.Execution(request: id, owner: owner)).inserted {
                traffic.doubleRuns.append("call \(call) ran twice on node \(owner)")
            } else if !traffic.ranSomewhere.insert(id).inserted, !traffic.load.idempotent, round == 0 {
                traffic.doubleRuns.append("call \(call) to a service that is not idempotent ran on a second owner, node \(owner)")
            }
            traffic.ledgers[owner].waiting[id, default: []].append((call, round))
            let range = traffic.load.handlerMilliseconds
            let took = range[0] + (range[1] - range[0]) * random.unit()
            schedule(.call(.handlerDone(owner: owner, life: nodes[owner].life, request: id)), at: now + Int64(took * 1e6))
        case .join:
            traffic.ledgers[owner].waiting[id, default: []].append((call, round))
        case .replay:
            reply(&traffic, call: call, round: round, from: owner)
        }
    }

    /// A node went down: every caller waiting on it hears its stream break one trip later,
    /// with no answer (the handler may have run).
    func callNodeWentDown(_ index: Int) {
        guard var traffic = calls.take() else { return }
        defer { calls = traffic }
        let waiting = traffic.ledgers[index].waiting
        traffic.ledgers[index].waiting = [:]
        for (_, waiters) in waiting.sorted(by: { ($0.key.high, $0.key.low) < ($1.key.high, $1.key.low) }) {
            for waiter in waiters {
                let entry = traffic.calls[waiter.call].entry
                guard !blocked(from: index, to: entry) else { continue }
                schedule(
                    .call(.answer(call: waiter.call, round: waiter.round, owner: index, .noAnswer("connection reset"))),
                    at: now + callLatency(from: index, to: entry))
            }
        }
    }

    /// One trip of a call, a state message or their answers: none to the node itself.
    func callLatency(from sender: Int, to receiver: Int) -> Int64 {
        guard sender != receiver else { return 0 }
        return Int64((scenario.network.latencyMilliseconds + scenario.network.jitterMilliseconds * random.unit()) * 1e6)
    }

    /// The calls' outcome, and what broke the rules: a call that never ended, ended after its
    /// deadline, ran twice on one owner, or failed beyond what the scenario allows.
    func callReport() -> (CallReport, [String])? {
        guard let traffic = calls else { return nil }
        var violations = traffic.doubleRuns
        var latencies: [Double] = []
        var failures: [String: Int] = [:]
        var reissued = 0
        var retried = 0
        for (number, call) in traffic.calls.enumerated() {
            guard let finished = call.finishedAt else {
                violations.append("call \(number), issued at \(format(Double(call.issuedAt) / 1e9)) s, never ended")
                continue
            }
            if finished > call.routed.deadline.nanoseconds {
                violations.append("call \(number) ended \(format(Double(finished - call.routed.deadline.nanoseconds) / 1e6)) ms after its deadline")
            }
            if let failure = call.failure { failures["\(failure.code)", default: 0] += 1 }
            if call.routed.attempts > 1 { reissued += 1 }
            if call.round > 0 { retried += 1 }
            latencies.append(Double(finished - call.issuedAt) / 1e6)
        }
        let failed = failures.values.reduce(0, +)
        if failed > traffic.load.maxFailedCalls {
            violations.append("\(failed) calls failed (allowed \(traffic.load.maxFailedCalls)): \(failures.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))")
        }
        latencies.sort()
        func percentile(_ fraction: Double) -> Double {
            latencies.isEmpty ? 0 : latencies[min(latencies.count - 1, Int(Double(latencies.count) * fraction))]
        }
        let report = CallReport(
            issued: traffic.calls.count, failed: failed, failuresByCode: failures, reissued: reissued, retried: retried,
            doubleRuns: traffic.doubleRuns.count, p50Milliseconds: percentile(0.5), p99Milliseconds: percentile(0.99),
            maxMilliseconds: latencies.last ?? 0)
        return (report, violations)
    }
}

/// How the calls of a run went.
public struct CallReport: Sendable {
    public let issued: Int
    public let failed: Int
    public let failuresByCode: [String: Int]
    /// Calls that needed more than one owner.
    public let reissued: Int
    /// Calls the client tried again with the same id after an `uncertain`.
    public let retried: Int
    public let doubleRuns: Int
    public let p50Milliseconds: Double
    public let p99Milliseconds: Double
    public let maxMilliseconds: Double

    var summary: String {
        "calls: \(issued) issued, \(issued - failed) answered, \(failed) failed, \(reissued) reissued to another owner, \(retried) retried by the client, \(doubleRuns) run twice on one owner; "
            + "latency p50 \(format(p50Milliseconds)) ms, p99 \(format(p99Milliseconds)) ms, max \(format(maxMilliseconds)) ms"
    }
}
