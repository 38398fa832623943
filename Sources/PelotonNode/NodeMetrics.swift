import CoreMetrics
import PelotonCore
import PelotonMembership
import Prometheus
import Synchronization

/// What a node counts, written against swift-metrics and kept in the node's own Prometheus
/// registry (so several nodes in one test process never share counters). `/metrics` renders it.
public final class NodeMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    private let factory: PrometheusMetricsFactory

    private let datagramsIn: CoreMetrics.Counter
    private let datagramsOut: CoreMetrics.Counter
    private let bytesIn: CoreMetrics.Counter
    private let bytesOut: CoreMetrics.Counter
    private let streamsIn: CoreMetrics.Counter
    private let streamsOut: CoreMetrics.Counter
    private let membersAlive: CoreMetrics.Gauge
    private let membersSuspect: CoreMetrics.Gauge
    private let membersDead: CoreMetrics.Gauge
    private let membersLeft: CoreMetrics.Gauge
    private let localHealth: CoreMetrics.Gauge
    private let protocolCounters: [(any KeyPath<MembershipCounters, Int> & Sendable, CoreMetrics.Counter)]
    /// Last exported protocol counters: the state machine keeps totals, Prometheus wants deltas.
    private let exported = ExportedCounters()
    /// Counters by label, made on first use and kept: drops come in floods under attack and
    /// calls by the thousand a second, and each should cost an increment, not a registry
    /// lookup and a new counter object.
    private let labelledCounters = Mutex<[LabelledCounter: CoreMetrics.Counter]>([:])
    private let timers = Mutex<[LabelledCounter: CoreMetrics.Timer]>([:])
    /// Each service's call metrics, found with one lookup per call; and its call rates, for
    /// the dashboard (Prometheus keeps totals, a person wants a rate without the arithmetic).
    /// With them, under the same lock so a call takes it once, the last fifteen minutes for
    /// the dashboard's charts.
    private let serviceCalls = Mutex(CallBook())
    private let started = ContinuousClock.now

    public init() {
        let registry = PrometheusCollectorRegistry()
        let factory = PrometheusMetricsFactory(registry: registry)
        self.registry = registry
        self.factory = factory
        func counter(_ name: String, _ dimensions: [(String, String)] = []) -> CoreMetrics.Counter {
            CoreMetrics.Counter(label: name, dimensions: dimensions, factory: factory)
        }
        func gauge(_ name: String, _ dimensions: [(String, String)] = []) -> CoreMetrics.Gauge {
            CoreMetrics.Gauge(label: name, dimensions: dimensions, factory: factory)
        }
        datagramsIn = counter("peloton_datagrams_total", [("direction", "in")])
        datagramsOut = counter("peloton_datagrams_total", [("direction", "out")])
        bytesIn = counter("peloton_datagram_bytes_total", [("direction", "in")])
        bytesOut = counter("peloton_datagram_bytes_total", [("direction", "out")])
        streamsIn = counter("peloton_streams_total", [("direction", "in")])
        streamsOut = counter("peloton_streams_total", [("direction", "out")])
        membersAlive = gauge("peloton_members", [("status", "alive")])
        membersSuspect = gauge("peloton_members", [("status", "suspect")])
        membersDead = gauge("peloton_members", [("status", "dead")])
        membersLeft = gauge("peloton_members", [("status", "left")])
        localHealth = gauge("peloton_local_health")
        protocolCounters = [
            (\.probesSent, counter("peloton_probes_total")),
            (\.probesFailed, counter("peloton_probes_failed_total")),
            (\.pingRequestsSent, counter("peloton_ping_requests_total")),
            (\.nacksReceived, counter("peloton_nacks_received_total")),
            (\.suspicionsRaised, counter("peloton_suspicions_raised_total")),
            (\.membersDeclaredDead, counter("peloton_members_declared_dead_total")),
            (\.refutations, counter("peloton_false_suspicions_refuted_total")),
            (\.pushPullsSent, counter("peloton_push_pulls_total")),
            (\.messagesIgnored, counter("peloton_messages_ignored_total")),
        ]
    }

    func datagramReceived(bytes: Int) {
        datagramsIn.increment()
        bytesIn.increment(by: bytes)
        let second = currentSecond
        serviceCalls.withLock { $0.history.recordGossipBytes(bytes, atSecond: second) }
    }

    func datagramSent(bytes: Int) {
        datagramsOut.increment()
        bytesOut.increment(by: bytes)
        let second = currentSecond
        serviceCalls.withLock { $0.history.recordGossipBytes(bytes, atSecond: second) }
    }

    func streamOpened(inbound: Bool) { (inbound ? streamsIn : streamsOut).increment() }

    /// Counts a datagram, stream or update refused at the door, by reason (`bad_signature`,
    /// `replayed`, `unknown_sender`, `malformed`, `claim_bad_signature`, `handshake_certificate`, …).
    func dropped(_ reason: String) {
        counter(LabelledCounter(name: "peloton_dropped_total", dimensions: [("reason", reason)])).increment()
    }

    /// A socket operation failed (`send`, `connect`, …) with `reason` (an errno's name); the
    /// node went on.
    func socketError(_ operation: String, reason: String) {
        counter(LabelledCounter(name: "peloton_socket_errors_total", dimensions: [("operation", operation), ("reason", reason)])).increment()
    }

    /// The HTTP layer refused a connection or request before any endpoint saw it, by the
    /// error code it answered with (`badRequest`, `requestTimeout`, `tooManyConnections`, …).
    func httpRejected(_ code: String) {
        counter(LabelledCounter(name: "peloton_http_rejected_total", dimensions: [("code", code)])).increment()
    }

    /// A call this node routed ended: `outcome` is `ok` or the failure's code.
    func callRouted(service: String, outcome: String, attempts: Int, duration: Duration) {
        let second = currentSecond
        // "(none)" stands for names no member offers, and `peloton.` services are the mesh's
        // own (work units, state): the charts show the user's services.
        let charted = service != "(none)" && !service.hasPrefix("peloton.")
        let (calls, reissues, timer) = serviceCalls.withLock { book in
            if charted { book.history.recordCall(service: service, milliseconds: Double(duration.nanosecondsClamped) / 1e6, atSecond: second) }
            return book.services[service, default: ServiceCalls()].routed(outcome: outcome, atSecond: second, service: service, factory: factory)
        }
        calls.increment()
        if attempts > 1 { reissues.increment(by: attempts - 1) }
        timer.recordNanoseconds(duration.nanosecondsClamped)
    }

    /// This node ran (or replayed) a call as one of the service's owners.
    func callServed(service: String) {
        let second = currentSecond
        serviceCalls.withLock { book in
            book.services[service, default: ServiceCalls()].served(atSecond: second, service: service, factory: factory)
        }.increment()
    }

    /// Calls per second over the last ten seconds, by service: routed by this node (from any
    /// client), and served by it as an owner.
    public func callRates() -> [String: (routed: Double, served: Double)] {
        let second = currentSecond
        return serviceCalls.withLock { book in
            book.services.mapValues { ($0.routedRate.perSecond(atSecond: second), $0.servedRate.perSecond(atSecond: second)) }
        }
    }

    private var currentSecond: Int64 { (ContinuousClock.now - started).components.seconds }

    /// A state read or write this node coordinated ended: `outcome` is `ok` or the failure's code.
    func stateOperation(_ operation: String, level: String, outcome: String, duration: Duration) {
        counter(LabelledCounter(name: "peloton_state_operations_total", dimensions: [("operation", operation), ("level", level), ("outcome", outcome)])).increment()
        timer("peloton_state_duration", ("operation", operation)).recordNanoseconds(duration.nanosecondsClamped)
        if operation == "write" {
            let second = currentSecond
            serviceCalls.withLock { $0.history.recordStateWrite(atSecond: second) }
        }
    }

    /// Members by status now, for the members chart; the node's timers call this each second.
    func recordMembers(alive: Int, suspect: Int, dead: Int) {
        let second = currentSecond
        serviceCalls.withLock { $0.history.recordMembers(.init(alive: alive, suspect: suspect, dead: dead), atSecond: second) }
    }

    /// The dashboard's charts of the last fifteen minutes, as SVG.
    func charts() -> [String] {
        let second = currentSecond
        let history = serviceCalls.withLock { $0.history }
        func lines(_ series: [MetricHistory.Series]) -> [SVGChart.Line] {
            series.enumerated().map { SVGChart.Line(name: $0.element.name, color: DashboardView.color($0.offset), points: $0.element.points) }
        }
        let members = history.members(atSecond: second)
        let memberColors = ["alive": "#2f9e44", "suspect": "#f08c00", "dead": "#e03131"]
        return [
            SVGChart.render(title: "calls routed per second", unit: "/s", lines: lines(history.callRates(atSecond: second))),
            SVGChart.render(title: "call latency p50", unit: " ms", lines: lines(history.latency(0.5, atSecond: second))),
            SVGChart.render(title: "call latency p99", unit: " ms", lines: lines(history.latency(0.99, atSecond: second))),
            SVGChart.render(
                title: "state writes per second", unit: "/s",
                lines: [SVGChart.Line(name: "writes coordinated here", color: DashboardView.color(0), points: history.stateWriteRate(atSecond: second).points)]),
            SVGChart.render(
                title: "gossip bytes per second", unit: " B/s",
                lines: [SVGChart.Line(name: "sent and received", color: DashboardView.color(1), points: history.gossipByteRate(atSecond: second).points)]),
            SVGChart.render(
                title: "members by status", unit: "",
                lines: members.map { SVGChart.Line(name: $0.name, color: memberColors[$0.name] ?? "#888", points: $0.points) }),
        ]
    }

    /// An event published on this node.
    func eventPublished(topicCount: Int) {
        counter(LabelledCounter(name: "peloton_events_published_total", dimensions: [])).increment(by: topicCount)
    }

    /// An event from another node delivered here for the first time.
    func eventDelivered() {
        counter(LabelledCounter(name: "peloton_events_received_total", dimensions: [])).increment()
    }

    /// An event delivered here went to `subscribers` of this node's subscribers.
    func eventReachedSubscribers(_ subscribers: Int) {
        counter(LabelledCounter(name: "peloton_event_deliveries_total", dimensions: [])).increment(by: subscribers)
    }

    /// One anti-entropy exchange started, and how many keys it shipped either way.
    func antiEntropyRound(keysShipped: Int) {
        counter(LabelledCounter(name: "peloton_state_anti_entropy_rounds_total", dimensions: [])).increment()
        if keysShipped > 0 {
            counter(LabelledCounter(name: "peloton_state_keys_repaired_total", dimensions: [])).increment(by: keysShipped)
        }
    }

    /// A removed node's entries were folded out of `keys` keys that this node is primary owner of.
    func statePruned(keys: Int) {
        counter(LabelledCounter(name: "peloton_state_keys_pruned_total", dimensions: [])).increment(by: keys)
    }

    /// A histogram of durations with one label, made on first use and kept.
    private func timer(_ label: String, _ dimension: (String, String)) -> CoreMetrics.Timer {
        timers.withLock { timers in
            let key = LabelledCounter(name: label, dimensions: [dimension])
            if let known = timers[key] { return known }
            let made = CoreMetrics.Timer(label: label, dimensions: [dimension], preferredDisplayUnit: .seconds, factory: factory)
            timers[key] = made
            return made
        }
    }

    private func counter(_ key: LabelledCounter) -> CoreMetrics.Counter {
        labelledCounters.withLock { counters in
            if let known = counters[key] { return known }
            let made = CoreMetrics.Counter(label: key.name, dimensions: key.dimensions.map { ($0.name, $0.value) }, factory: factory)
            counters[key] = made
            return made
        }
    }

    /// Brings gauges and protocol counters up to date with the state machine.
    func observe(_ membership: Membership) {
        var counts: [MemberStatus: Int] = [:]
        for member in membership.members { counts[member.status, default: 0] += 1 }
        membersAlive.record((counts[.alive] ?? 0) + (membership.isLeaving ? 0 : 1))
        membersSuspect.record(counts[.suspect] ?? 0)
        membersDead.record(counts[.dead] ?? 0)
        membersLeft.record(counts[.left] ?? 0)
        localHealth.record(membership.localHealth)
        let previous = exported.swap(membership.counters)
        for (path, counter) in protocolCounters where membership.counters[keyPath: path] > previous[keyPath: path] {
            counter.increment(by: membership.counters[keyPath: path] - previous[keyPath: path])
        }
    }

    public func render() -> String { registry.emitToString() }
}

/// Every service's call metrics and rates, and the charts' history.
private struct CallBook {
    var services: [String: ServiceCalls] = [:]
    var history = MetricHistory()
}

/// One service's call metrics and rates on this node, each metric made on first use.
private struct ServiceCalls {
    var routedRate = RateWindow()
    var servedRate = RateWindow()
    private var callsByOutcome: [String: CoreMetrics.Counter] = [:]
    private var reissues: CoreMetrics.Counter?
    private var duration: CoreMetrics.Timer?
    private var served: CoreMetrics.Counter?

    /// Records a routed call's rate; returns the metrics it counts in.
    mutating func routed(
        outcome: String, atSecond second: Int64, service: String, factory: PrometheusMetricsFactory
    ) -> (calls: CoreMetrics.Counter, reissues: CoreMetrics.Counter, duration: CoreMetrics.Timer) {
        routedRate.record(atSecond: second)
        let calls: CoreMetrics.Counter
        if let known = callsByOutcome[outcome] {
            calls = known
        } else {
            calls = CoreMetrics.Counter(label: "peloton_calls_total", dimensions: [("service", service), ("outcome", outcome)], factory: factory)
            callsByOutcome[outcome] = calls
        }
        let reissues = self.reissues ?? CoreMetrics.Counter(label: "peloton_call_reissues_total", dimensions: [("service", service)], factory: factory)
        self.reissues = reissues
        let duration = self.duration ?? CoreMetrics.Timer(
            label: "peloton_call_duration", dimensions: [("service", service)], preferredDisplayUnit: .seconds, factory: factory)
        self.duration = duration
        return (calls, reissues, duration)
    }

    /// Records a served call's rate; returns the counter it counts in.
    mutating func served(atSecond second: Int64, service: String, factory: PrometheusMetricsFactory) -> CoreMetrics.Counter {
        servedRate.record(atSecond: second)
        let served = self.served ?? CoreMetrics.Counter(label: "peloton_calls_served_total", dimensions: [("service", service)], factory: factory)
        self.served = served
        return served
    }
}

/// A counter's or timer's name and labels, as the key of those made so far.
private struct LabelledCounter: Hashable {
    let name: String
    let dimensions: [Pair]

    struct Pair: Hashable {
        let name: String
        let value: String
    }

    init(name: String, dimensions: [(String, String)]) {
        self.name = name
        self.dimensions = dimensions.map { Pair(name: $0.0, value: $0.1) }
    }
}

/// The counters last exported, behind a lock: `observe` may run on any task.
private final class ExportedCounters: Sendable {
    private let value = Mutex(MembershipCounters())

    func swap(_ new: MembershipCounters) -> MembershipCounters {
        value.withLock { current in
            let previous = current
            current = new
            return previous
        }
    }
}
