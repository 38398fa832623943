import Foundation
import HeapModule
import PelotonCore
import PelotonCrypto
import PelotonMembership
import PelotonWire

/// Runs N nodes' real `Membership` state machines in one process on a virtual clock; every
/// message crosses a virtual network with latency, loss, duplication, reordering (from jitter)
/// and partitions. Everything random comes from the scenario's seed, so a run is a pure
/// function of (scenario, seed) and a failure replays exactly.
public final class Simulation {
    public let scenario: Scenario
    public let seed: UInt64
    let settings: MembershipSettings
    var nodes: [SimulatedNode] = []
    var indexByAddress: [NodeAddress: Int] = [:]
    var indexByID: [NodeID: Int] = [:]
    var events = Heap<Event>()
    var eventCounter: UInt64 = 0
    var random: SeededRandom
    var loss: Double
    var oneWayPartition = false
    /// Routes on which the sender's every send fails (`failSends`).
    var failingSends: Set<Route> = []
    /// Nodes whose keys the authority revoked: down for good, their state entries pruned.
    var revoked: [NodeID: Int64] = [:]
    var now: Int64 = 0
    var trace = TraceHash()
    var metrics: SimulationMetrics
    /// Keep every message's encoded bytes and decode them on delivery: proves the codec on
    /// real traffic at some cost in speed.
    public var roundTripEveryMessage = false
    /// Told the simulated seconds done and the scenario's length, once a simulated second, for
    /// a progress line; it only watches.
    public var progress: ((_ simulatedSeconds: Double, _ totalSeconds: Double) -> Void)?
    /// Client calls, when the scenario asks for them.
    var calls: CallTraffic?
    /// State writes and anti-entropy, when the scenario asks for them.
    var state: StateTraffic?
    /// Sends a state write that an owner may have run on to the next owner, as the runtime
    /// did before it kept writes to one owner once in doubt: for tests that show the checks
    /// catch the increments that counts twice.
    public var reissueStateWritesInDoubt = false
    /// Gossiped events, when the scenario asks for them.
    var eventTraffic: EventTraffic?
    /// A parallel job, when the scenario asks for one.
    var jobTraffic: JobTraffic?
    /// Every node alive at incarnation 0: the view a `startJoined` node begins with. Built
    /// once, so a 10,000-node start does not build 10,000 copies of it.
    private lazy var formedMeshView = nodes.compactMap { node in
        MemberState(metadataClaim: SignedClaim(signing: .alive(id: node.id, incarnation: 0, address: node.address, metadata: node.metadata), as: node.identity),
                    statusClaim: nil)
    }
    /// The simulation's authority: every node believes claims by members it certified.
    let authority: PublicKey
    /// Shared by every node, so each claim's signature is checked once per simulation.
    let signatureChecks = RememberedSignatureChecks()

    public init(scenario: Scenario, seed: UInt64? = nil, settings: MembershipSettings = MembershipSettings()) {
        self.scenario = scenario
        self.seed = seed ?? scenario.seed
        self.settings = settings
        random = SeededRandom(seed: self.seed)
        loss = scenario.network.loss
        metrics = SimulationMetrics(nodeCount: scenario.nodes)
        let credentials = SimulatedCredentials(random: &random)
        authority = credentials.authority.publicKey
        for index in 0..<scenario.nodes {
            let (identity, metadata) = credentials.node(index, random: &random)
            let id = identity.nodeID
            // Addresses are names in the virtual network; no socket is ever opened.
            let address = try! NodeAddress(host: "node-\(index)", port: 7946)
            let drift = scenario.clockDrift
            let rate = drift > 0 ? 1 + (random.unit() * 2 - 1) * drift : 1
            let offset = Double(random.next() % 1_000_000_000)
            nodes.append(SimulatedNode(identity: identity, id: id, address: address, metadata: metadata, membership: nil, clockRate: rate, clockOffset: offset))
            indexByAddress[address] = index
            indexByID[id] = index
        }
    }

    // MARK: - Running

    /// Runs the scenario to its end and returns what happened.
    public func run() -> SimulationReport {
        let started = ContinuousClock.now
        run(until: scenario.durationSeconds)
        let elapsed = ContinuousClock.now - started
        return report(wallSeconds: elapsed.secondsDouble)
    }

    func schedule(_ kind: Event.Kind, at time: Int64) {
        eventCounter += 1
        events.insert(Event(time: time, order: eventCounter, kind: kind))
    }

    private func handle(_ kind: Event.Kind) {
        if let node = node(handling: kind), nodes[node].paused {
            nodes[node].deferred.append(kind)
            return
        }
        switch kind {
        case let .start(index):
            start(index)
        case let .wake(index, generation):
            guard nodes[index].wakeGeneration == generation, nodes[index].isRunning else { return }
            nodes[index].scheduledWake = nil
            if nodes[index].lastWake != now { nodes[index].repeatedWakes = 0 }
            nodes[index].lastWake = now
            withMembership(index) { membership, local in membership.tick(at: local) }
        case let .deliver(delivery):
            deliver(delivery)
        case let .action(action):
            apply(action)
        case .sample:
            sample()
            progress?(Double(now) / 1e9, scenario.durationSeconds)
            schedule(.sample, at: now + 1_000_000_000)
        case let .call(event):
            handle(event)
        case let .state(event):
            handle(event)
        case let .events(event):
            handle(event)
        case let .jobs(event):
            handle(event)
        }
    }

    /// The node whose process handles `kind` (a message it receives, a timer of its own), if
    /// any: a paused node's events wait for it to resume.
    private func node(handling kind: Event.Kind) -> Int? {
        switch kind {
        case let .wake(index, _): index
        case let .deliver(delivery): delivery.to
        case let .call(event): calls.flatMap { event.node(in: $0) }
        case let .state(event): state.flatMap { event.node(in: $0) }
        case .start, .action, .sample, .events, .jobs: nil
        }
    }

    /// Runs `body` on node `index`'s state machine with its local time, then performs the
    /// effects. The machine is moved out of its slot meanwhile, so its dictionaries are uniquely
    /// referenced and mutate without copying, and it always goes back. False when the node is down.
    @discardableResult
    func withMembership(_ index: Int, _ body: (inout Membership, Instant) -> [MembershipEffect]) -> Bool {
        guard var membership = nodes[index].membership.take() else { return false }
        let effects = body(&membership, nodes[index].localTime(now))
        nodes[index].membership = membership
        perform(effects, from: index)
        return true
    }

    /// Boots node `index` with its kept identity and address and a fresh incarnation: at first
    /// start node 0 founds the mesh alone; on a restart every node rejoins through its seed.
    func start(_ index: Int, isRestart: Bool = false) {
        let founds = (index == 0 && !isRestart) || nodes.count == 1
        let seeds = founds ? [] : [nodes[seedIndex(for: index)].address]
        let local = nodes[index].localTime(now)
        var membership = Membership(
            identity: nodes[index].identity, authority: authority, address: nodes[index].address, metadata: nodes[index].metadata,
            seeds: seeds, settings: settings, signatureCheck: signatureChecks, random: random.split(), now: local)
        if scenario.startJoined && !isRestart {
            membership.assumeMembers(formedMeshView, at: local)
        }
        nodes[index].membership = membership
        nodes[index].life += 1
        metrics.nodeStarted(index, at: now)
        trace.mix(0x5354_4152_5400_0000 | UInt64(index))
        rescheduleWake(index)
    }

    /// Node 0 is every node's seed, except its own (it then joins through node 1).
    private func seedIndex(for index: Int) -> Int { index == 0 ? min(1, nodes.count - 1) : 0 }

    private func rescheduleWake(_ index: Int) {
        guard let membership = nodes[index].membership else { return }
        var due = max(nodes[index].virtualTime(membership.nextDeadline), now)
        // A state machine that keeps asking to be woken at the instant it was just woken at is
        // livelocked: record it as a violation and move its clock on, rather than hang.
        if due == now, nodes[index].lastWake == now {
            nodes[index].repeatedWakes += 1
            if nodes[index].repeatedWakes == 1_000 {
                metrics.violations.append("node \(index) asked to be woken at \(Double(now) / 1e9) s over and over (a timer that never advances)")
            }
            if nodes[index].repeatedWakes >= 1_000 { due = now + 1_000_000 }
        }
        if let scheduled = nodes[index].scheduledWake, scheduled <= due { return }
        nodes[index].wakeGeneration += 1
        nodes[index].scheduledWake = due
        schedule(.wake(index, nodes[index].wakeGeneration), at: due)
    }

    /// Runs until `seconds` of simulated time (for benches that act between phases).
    public func run(until seconds: Double) {
        let end = Int64(seconds * 1e9)
        if eventCounter == 0 {
            let stagger = Int64(scenario.joinStaggerMilliseconds * 1e6)
            for index in nodes.indices { schedule(.start(index), at: Int64(index) * stagger) }
            scheduleFaults()
            scheduleCalls()
            scheduleStateWrites()
            scheduleEvents()
            scheduleJobs()
            schedule(.sample, at: 1_000_000_000)
        }
        while let next = events.min, next.time <= end, let event = events.popMin() {
            now = event.time
            handle(event.kind)
        }
        now = end
    }

    /// Node `index` publishes new metadata (a new incarnation); returns that incarnation.
    public func publishUpdate(from index: Int) -> UInt64 {
        var incarnation: UInt64 = 0
        withMembership(index) { membership, _ in
            membership.updateMetadata(membership.metadata)
            incarnation = membership.incarnation
            return []
        }
        return incarnation
    }

    /// How many running nodes (besides `index`) know `index` at `incarnation` or later.
    public func nodesThatKnow(_ index: Int, incarnation: UInt64) -> Int {
        let id = nodes[index].id
        return nodes.indices.filter { $0 != index && (nodes[$0].membership?.members[id]?.incarnation ?? 0) >= incarnation }.count
    }

    public var simulatedSeconds: Double { Double(now) / 1e9 }

    // MARK: - The network

    func perform(_ effects: [MembershipEffect], from index: Int) {
        for effect in effects {
            switch effect {
            case let .send(message, to: address):
                send(message, from: index, to: address)
            case let .event(event):
                observe(event, by: index)
            case .rejectedClaim:
                metrics.claimsRejected += 1
            }
        }
        rescheduleWake(index)
    }

    private func send(_ message: MembershipMessage, from sender: Int, to address: NodeAddress) {
        // Encoding every message costs more than the protocol itself; the arithmetic size is
        // exact (tested), and the full codec runs when `roundTripEveryMessage` is set.
        let bytes = roundTripEveryMessage ? message.wireBytes : nil
        let size = bytes?.count ?? message.encodedSize
        let incarnation = nodes[sender].membership?.incarnation ?? 0
        let envelopeBytes = SignedEnvelope.maxOverhead - 20 + WireWriter.varUIntSize(incarnation) + WireWriter.varUIntSize(UInt64(size))
        let stream = message.isStreamShaped
        metrics.sent(bytes: size + envelopeBytes, stream: stream, from: sender, at: now)
        if !stream && size > settings.maxMessageBytes {
            metrics.violations.append("datagram of \(size) bytes from node \(sender) exceeds the \(settings.maxMessageBytes)-byte budget")
        }
        guard let destination = indexByAddress[address] else { return }
        guard !blocked(from: sender, to: destination) else {
            metrics.dropped += 1
            return
        }
        // Streams are reliable (TCP retransmits) but still cut by partitions and crashes.
        if !stream && random.chance(loss) {
            metrics.dropped += 1
            return
        }
        let copies = !stream && random.chance(scenario.network.duplicate) ? 2 : 1
        for _ in 0..<copies {
            let latency = scenario.network.latencyMilliseconds + scenario.network.jitterMilliseconds * random.unit()
            let delivery = Delivery(to: destination, from: sender, message: message, bytes: bytes)
            schedule(.deliver(delivery), at: now + Int64(latency * 1e6))
        }
    }

    private func deliver(_ delivery: Delivery) {
        let index = delivery.to
        guard nodes[index].isRunning else { return }
        // A partition that began while the message was in flight still cuts it.
        guard !blocked(from: delivery.from, to: index) else {
            metrics.dropped += 1
            return
        }
        var message = delivery.message
        if let bytes = delivery.bytes {
            do {
                message = try MembershipMessage(wireBytes: bytes)
            } catch {
                metrics.violations.append("message from node \(delivery.from) failed to decode: \(error)")
                return
            }
            if message != delivery.message { metrics.violations.append("message from node \(delivery.from) changed in a codec round trip") }
        }
        trace.mix(UInt64(now) ^ UInt64(delivery.from) << 40 ^ UInt64(index) << 20)
        let (senderID, senderAddress) = (nodes[delivery.from].id, nodes[delivery.from].address)
        withMembership(index) { membership, local in
            membership.receive(message, from: senderID, address: senderAddress, at: local)
        }
    }

    func blocked(from sender: Int, to destination: Int) -> Bool {
        if nodes[sender].isolated || nodes[destination].isolated { return true }
        if !failingSends.isEmpty, failingSends.contains(Route(from: sender, to: destination)) { return true }
        let from = nodes[sender].group
        let to = nodes[destination].group
        if from == to { return false }
        return oneWayPartition ? from < to : true
    }

    // MARK: - Observation

    private func observe(_ event: MembershipEvent, by observer: Int) {
        calls?.rings[observer] = nil
        state?.rings[observer] = nil
        if let load = state?.load, load.antiEntropyIntervalSeconds > 0, event.status == .alive, let peer = indexByID[event.member] {
            schedule(.state(.exchange(from: observer, with: peer)), at: now)
        }
        guard let subject = indexByID[event.member] else { return }
        trace.mix(UInt64(now) &* 31 &+ UInt64(observer) << 32 &+ UInt64(subject) << 8 &+ UInt64(event.status.rawValue))
        let reachable = !blocked(from: observer, to: subject) && !blocked(from: subject, to: observer)
        metrics.observe(event.status, of: subject, by: observer, subjectRunning: nodes[subject].isRunning, reachable: reachable, at: now)
    }

    private func sample() {
        let running = nodes.indices.filter { nodes[$0].isRunning }
        let down = nodes.indices.filter { !nodes[$0].isRunning }
        var agreeing = 0
        for index in running {
            guard let membership = nodes[index].membership else { continue }
            let correct = membership.activeCount == running.count - 1
                && down.allSatisfy { membership.members[nodes[$0].id]?.status.isActive != true }
            if correct { agreeing += 1 }
        }
        metrics.sampled(at: now, running: running.count, agreeing: agreeing)
    }
}

/// A direction between two nodes.
struct Route: Hashable {
    let from: Int
    let to: Int
}

struct Delivery {
    let to: Int
    let from: Int
    let message: MembershipMessage
    let bytes: [UInt8]?
}

struct Event: Comparable {
    enum Kind {
        case start(Int)
        case wake(Int, UInt64)
        case deliver(Delivery)
        case action(FaultAction)
        case sample
        case call(CallTraffic.Event)
        case state(StateTraffic.Event)
        case events(EventTraffic.Event)
        case jobs(JobTraffic.Event)
    }

    let time: Int64
    let order: UInt64
    let kind: Kind

    static func < (lhs: Event, rhs: Event) -> Bool { (lhs.time, lhs.order) < (rhs.time, rhs.order) }
    static func == (lhs: Event, rhs: Event) -> Bool { lhs.time == rhs.time && lhs.order == rhs.order }
}
