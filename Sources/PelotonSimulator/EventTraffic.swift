import PelotonCore
import PelotonCrypto
import PelotonEvents
import PelotonNodeCore

extension Scenario {
    /// Events published at random running nodes and spread by `EventGossip` over the simulated
    /// network (its loss, latency and partitions). Every node subscribes to everything; at the
    /// end each node that ran throughout must have delivered each event exactly once.
    public struct EventLoad: Codable, Sendable {
        public var count: Int = 1_000
        public var perSecond: Double = 100
        public var fromSeconds: Double = 1

        public init() {}

        func validate(scenario: Scenario) throws {
            guard (1...1_000_000).contains(count) else { throw ScenarioError("events.count must be 1 to 1000000") }
            guard perSecond > 0, perSecond <= 100_000 else { throw ScenarioError("events.perSecond must be in (0, 100000]") }
            guard fromSeconds >= 0, fromSeconds + Double(count) / perSecond < scenario.durationSeconds else {
                throw ScenarioError("events must all be published within the run")
            }
        }
    }
}

/// Events through the simulated mesh, spread by each node's own `EventRounds` (the runtime's
/// rules and peer choice, from a generator split off the scenario's seed). This file moves
/// the datagrams and checks every delivery.
struct EventTraffic {
    enum Event {
        case publish
        /// A node's rounds are due.
        case rounds(node: Int)
        case arrive(from: Int, to: Int, EventMessage, repair: Bool)
    }

    let load: Scenario.EventLoad
    var rounds: [EventRounds]
    /// Deliveries that came from a digest's answer rather than from gossip.
    var repaired = 0
    var published: [(id: EventID, at: Int64)] = []
    var indexByID: [EventID: Int] = [:]
    /// Deliveries per event per node.
    var deliveries: [[UInt8]] = []
    /// When the last node delivered each event.
    var lastDeliveryAt: [Int64] = []
    var batchesSent = 0
    /// Nodes that were down at some point: they may miss events, and are not checked.
    var interrupted: Set<Int> = []

    init(load: Scenario.EventLoad, rounds: [EventRounds]) {
        self.load = load
        self.rounds = rounds
    }
}

extension Simulation {
    func scheduleEvents() {
        guard let load = scenario.events else { return }
        let rounds = nodes.indices.map { _ in EventRounds(gossip: EventGossip(), random: random.split(), now: Instant(nanoseconds: now)) }
        eventTraffic = EventTraffic(load: load, rounds: rounds)
        schedule(.events(.publish), at: Int64(load.fromSeconds * 1e9))
        for index in nodes.indices { schedule(.events(.rounds(node: index)), at: rounds[index].nextRoundAt.nanoseconds) }
    }

    func handle(_ event: EventTraffic.Event) {
        guard var traffic = eventTraffic.take() else { return }
        defer { eventTraffic = traffic }
        switch event {
        case .publish:
            let running = nodes.indices.filter { nodes[$0].isRunning }
            if let origin = running.isEmpty ? nil : running[Int(random.next() % UInt64(running.count))],
               let topic = try? Topic("sim.events"),
               let published = try? MeshEvent(
                   id: EventID(high: seed, low: UInt64(traffic.published.count)), topic: topic, origin: nodes[origin].id,
                   sequence: traffic.rounds[origin].takeSequence(),
                   publishedAtMilliseconds: UInt64(now / 1_000_000), payload: Array(repeating: 0x2A, count: 64)) {
                traffic.indexByID[published.id] = traffic.published.count
                traffic.published.append((published.id, now))
                traffic.deliveries.append(Array(repeating: 0, count: nodes.count))
                traffic.lastDeliveryAt.append(now)
                let members = (nodes[origin].membership?.activeCount ?? 0) + 1
                if let fresh = traffic.rounds[origin].publish(published, members: members, at: Instant(nanoseconds: now)) {
                    deliver([fresh], at: origin, &traffic)
                }
            }
            if traffic.published.count < traffic.load.count {
                schedule(.events(.publish), at: now + Int64(1e9 / traffic.load.perSecond))
            }
        case let .rounds(node):
            defer { schedule(.events(.rounds(node: node)), at: traffic.rounds[node].nextRoundAt.nanoseconds) }
            guard let view = nodes[node].membership else {
                // Down: its rounds pass without it, as a stopped process's timer would.
                traffic.interrupted.insert(node)
                _ = traffic.rounds[node].tick(at: Instant(nanoseconds: now), alive: [])
                return
            }
            let alive = view.members.filter { $0.status == .alive }.map(\.id)
            send(traffic.rounds[node].tick(at: Instant(nanoseconds: now), alive: alive), from: node, repair: false, &traffic)
        case let .arrive(from, to, message, repair):
            guard let view = nodes[to].membership else { return }
            let (fresh, sends) = traffic.rounds[to].receive(message, from: nodes[from].id, members: view.activeCount + 1, at: Instant(nanoseconds: now))
            if repair { traffic.repaired += fresh.count }
            deliver(fresh, at: to, &traffic)
            // What a digest is answered with counts as repair where it lands.
            send(sends, from: to, repair: true, &traffic)
        }
    }

    /// Sends a node's datagrams over the simulated network: lost, cut off or delayed.
    private func send(_ sends: [EventRounds.Send], from node: Int, repair: Bool, _ traffic: inout EventTraffic) {
        for send in sends {
            let (message, peer): (EventMessage, NodeID) =
                switch send {
                case let .batch(events, peer): (.batch(EventBatch(events: events)), peer)
                case let .digest(marks, peer): (.digest(marks), peer)
                }
            traffic.batchesSent += 1
            guard let destination = indexByID[peer], !blocked(from: node, to: destination), !random.chance(loss) else { continue }
            schedule(.events(.arrive(from: node, to: destination, message, repair: repair)), at: now + callLatency(from: node, to: destination))
        }
    }

    private func deliver(_ fresh: [MeshEvent], at node: Int, _ traffic: inout EventTraffic) {
        for event in fresh {
            guard let index = traffic.indexByID[event.id] else { continue }
            traffic.deliveries[index][node] &+= 1
            traffic.lastDeliveryAt[index] = max(traffic.lastDeliveryAt[index], now)
            trace.mix(0xE7E7_0000_0000_0000 | UInt64(index) << 16 | UInt64(node))
        }
    }

    /// Every node that ran throughout got every event exactly once; and how long events took
    /// to reach the last of them.
    func eventReport() -> (EventReport, [String])? {
        guard let traffic = eventTraffic else { return nil }
        var violations: [String] = []
        let checked = nodes.indices.filter { nodes[$0].isRunning && !traffic.interrupted.contains($0) }
        var missing = 0
        var repeated = 0
        for (index, counts) in traffic.deliveries.enumerated() {
            for node in checked {
                if counts[node] == 0 { missing += 1 }
                if counts[node] > 1 { repeated += 1 }
            }
            if missing > 0 && violations.count < 10 && checked.contains(where: { counts[$0] == 0 }) {
                violations.append("event \(index) did not reach \(checked.filter { counts[$0] == 0 }.count) nodes")
            }
        }
        if repeated > 0 { violations.append("\(repeated) deliveries of an event a node had already delivered") }
        var spread = zip(traffic.lastDeliveryAt, traffic.published).map { Double($0 - $1.at) / 1e6 }.sorted()
        if spread.isEmpty { spread = [0] }
        let report = EventReport(
            published: traffic.published.count, nodesChecked: checked.count, missing: missing, repeated: repeated,
            batchesSent: traffic.batchesSent, duplicatesDropped: traffic.rounds.reduce(0) { $0 + $1.gossip.duplicatesDropped },
            repaired: traffic.repaired,
            spreadP50Milliseconds: spread[spread.count / 2], spreadP99Milliseconds: spread[min(spread.count - 1, spread.count * 99 / 100)],
            spreadMaxMilliseconds: spread.last ?? 0)
        return (report, violations)
    }
}

/// How the events of a run spread.
public struct EventReport: Sendable {
    public let published: Int
    public let nodesChecked: Int
    /// (event, node) pairs never delivered.
    public let missing: Int
    /// (event, node) pairs delivered more than once.
    public let repeated: Int
    public let batchesSent: Int
    public let duplicatesDropped: Int
    /// Deliveries that came from a pull (a digest answered), not from gossip.
    public let repaired: Int
    /// From publishing to the last node's delivery.
    public let spreadP50Milliseconds: Double
    public let spreadP99Milliseconds: Double
    public let spreadMaxMilliseconds: Double

    var summary: String {
        "events: \(published) published to \(nodesChecked) nodes, \(missing) deliveries missing, \(repeated) repeated; \(batchesSent) datagrams sent, "
            + "\(duplicatesDropped) copies dropped as duplicates, \(repaired) deliveries by repair; reached every node in p50 \(format(spreadP50Milliseconds)) ms, "
            + "p99 \(format(spreadP99Milliseconds)) ms, max \(format(spreadMaxMilliseconds)) ms"
    }
}
