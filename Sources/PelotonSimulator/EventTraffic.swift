import PelotonCore
import PelotonCrypto
import PelotonEvents

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

struct EventTraffic {
    enum Event {
        case publish
        case gossipRound(node: Int)
        case arrive(node: Int, batch: [MeshEvent], repair: Bool)
        case repairRound(node: Int)
        case digestArrives(from: Int, to: Int, digest: [EventWatermark])
    }

    let load: Scenario.EventLoad
    var gossips: [EventGossip]
    var published: [(id: EventID, at: Int64)] = []
    var indexByID: [EventID: Int] = [:]
    /// Deliveries per event per node.
    var deliveries: [[UInt8]] = []
    /// When the last node delivered each event.
    var lastDeliveryAt: [Int64] = []
    var batchesSent = 0
    /// Nodes that were down at some point: they may miss events, and are not checked.
    var interrupted: Set<Int> = []

    init(load: Scenario.EventLoad, nodes: Int) {
        self.load = load
        gossips = Array(repeating: EventGossip(), count: nodes)
    }
}

extension Simulation {
    func scheduleEvents() {
        guard let load = scenario.events else { return }
        eventTraffic = EventTraffic(load: load, nodes: nodes.count)
        schedule(.events(.publish), at: Int64(load.fromSeconds * 1e9))
        let interval = EventGossipSettings().interval.nanosecondsClamped
        let repair = EventGossipSettings().repairInterval.nanosecondsClamped
        for index in nodes.indices {
            schedule(.events(.gossipRound(node: index)), at: Int64(Double(interval) * random.unit()))
            schedule(.events(.repairRound(node: index)), at: Int64(Double(repair) * random.unit()))
        }
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
                   sequence: traffic.gossips[origin].takeSequence(),
                   publishedAtMilliseconds: UInt64(now / 1_000_000), payload: Array(repeating: 0x2A, count: 64)) {
                traffic.indexByID[published.id] = traffic.published.count
                traffic.published.append((published.id, now))
                traffic.deliveries.append(Array(repeating: 0, count: nodes.count))
                traffic.lastDeliveryAt.append(now)
                let members = (nodes[origin].membership?.activeCount ?? 0) + 1
                if let fresh = traffic.gossips[origin].publish(published, members: members, at: Instant(nanoseconds: now)) {
                    deliver([fresh], at: origin, &traffic)
                }
            }
            if traffic.published.count < traffic.load.count {
                schedule(.events(.publish), at: now + Int64(1e9 / traffic.load.perSecond))
            }
        case let .gossipRound(node):
            schedule(.events(.gossipRound(node: node)), at: now + EventGossipSettings().interval.nanosecondsClamped)
            guard let view = nodes[node].membership else {
                traffic.interrupted.insert(node)
                return
            }
            var candidates = view.members.filter { $0.status == .alive }.map(\.id)
            var peers: [NodeID] = []
            while peers.count < traffic.gossips[node].settings.fanout, !candidates.isEmpty {
                peers.append(candidates.remove(at: Int(random.next() % UInt64(candidates.count))))
            }
            for (peer, batch) in traffic.gossips[node].gossip(to: peers) {
                traffic.batchesSent += 1
                guard let destination = indexByID[peer], !blocked(from: node, to: destination), !random.chance(loss) else { continue }
                schedule(.events(.arrive(node: destination, batch: batch, repair: false)), at: now + callLatency(from: node, to: destination))
            }
        case let .arrive(node, batch, repair):
            guard let view = nodes[node].membership else { return }
            let at = Instant(nanoseconds: now)
            let fresh = repair
                ? traffic.gossips[node].receiveRepair(batch, members: view.activeCount + 1, at: at)
                : traffic.gossips[node].receive(batch, members: view.activeCount + 1, at: at)
            deliver(fresh, at: node, &traffic)
        case let .repairRound(node):
            schedule(.events(.repairRound(node: node)), at: now + EventGossipSettings().repairInterval.nanosecondsClamped)
            guard let view = nodes[node].membership else { return }
            let peers = view.members.filter { $0.status == .alive }.compactMap { indexByID[$0.id] }
            guard !peers.isEmpty, let offer = traffic.gossips[node].offer(at: Instant(nanoseconds: now)) else { return }
            let peer = peers[Int(random.next() % UInt64(peers.count))]
            traffic.batchesSent += 1
            guard !blocked(from: node, to: peer), !random.chance(loss) else { return }
            schedule(.events(.digestArrives(from: node, to: peer, digest: offer)), at: now + callLatency(from: node, to: peer))
        case let .digestArrives(from, to, digest):
            guard nodes[to].isRunning else { return }
            let (answer, ask) = traffic.gossips[to].receiveDigest(digest, from: nodes[from].id, at: Instant(nanoseconds: now))
            for batch in answer {
                traffic.batchesSent += 1
                guard !blocked(from: to, to: from), !random.chance(loss) else { continue }
                schedule(.events(.arrive(node: from, batch: batch, repair: true)), at: now + callLatency(from: to, to: from))
            }
            if let ask {
                traffic.batchesSent += 1
                guard !blocked(from: to, to: from), !random.chance(loss) else { return }
                schedule(.events(.digestArrives(from: to, to: from, digest: ask)), at: now + callLatency(from: to, to: from))
            }
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
            batchesSent: traffic.batchesSent, duplicatesDropped: traffic.gossips.reduce(0) { $0 + $1.duplicatesDropped },
            repaired: traffic.gossips.reduce(0) { $0 + $1.repaired },
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
