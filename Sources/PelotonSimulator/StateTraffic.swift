import PelotonCore
import PelotonCrypto
import PelotonMembership
import PelotonPlacement
import PelotonServices
import PelotonState

/// Writes to replicated state through the simulated mesh, decided exactly as the runtime
/// decides them: the entry node finds the key's owners in its own view and asks them in turn
/// (`CallPlan`); the owner asked runs the write on its `StateStore`, ships the delta to the
/// other owners it sees, and answers once its `ReplicaTally` is decided. Every node also runs
/// digest anti-entropy with a random peer. A store is what the node keeps on disk, so it
/// survives a crash; what a node was waiting for does not.
struct StateTraffic {
    struct Write {
        let id: WriteID
        let key: StateKey
        let element: String
        let entry: Int
        let issuedAt: Int64
        var plan: CallPlan
        var attempt = 0
        var finishedAt: Int64?
        var failure: String?
        var acknowledged = false
        /// Ended `uncertain`: it may have been applied, once.
        var uncertain = false
        /// How many owners applied it (the simulator's truth, which no node sees): more than
        /// one counts it twice.
        var applications = 0
    }

    /// A write an owner ran and is collecting acknowledgements for.
    struct Pending {
        let write: Int
        let attempt: Int
        let owner: Int
        let life: Int
        var tally: ReplicaTally
        var answered = false
    }

    enum Event {
        case issue
        case antiEntropy(node: Int)
        /// A node compares state with a member it has just seen (re)appear.
        case exchange(from: Int, with: Int)
        case writeArrives(write: Int, attempt: Int, owner: Int)
        case attemptFailed(write: Int, attempt: Int, reason: String)
        case writeAnswered(write: Int, attempt: Int, failure: String?)
        case deltaArrives(pending: Int, replica: Int, key: StateKey, delta: StateValue)
        case deltaAcknowledged(pending: Int, replica: Int)
        case deltaFailed(pending: Int, replica: Int, reason: String)
        case digestArrives(from: Int, to: Int, digest: [DigestEntry])
        case answerArrives(from: Int, to: Int, answer: DigestAnswer)
        case statesArrive(to: Int, states: [StateKey: StateValue])
        /// Checks whether the owners of every written key agree, for the convergence time.
        case checkAgreement

        /// The node whose process handles this event.
        func node(in traffic: StateTraffic) -> Int? {
            switch self {
            case .issue, .checkAgreement: nil
            case let .antiEntropy(node), let .exchange(node, _): node
            case let .writeArrives(_, _, owner): owner
            case let .attemptFailed(write, _, _), let .writeAnswered(write, _, _): traffic.writes[write].entry
            case let .deltaArrives(_, replica, _, _): replica
            case let .deltaAcknowledged(pending, _), let .deltaFailed(pending, _, _): traffic.pendings[pending].owner
            case let .digestArrives(_, to, _), let .answerArrives(_, to, _), let .statesArrive(to, _): to
            }
        }
    }

    static let refused = "connection refused"

    let load: Scenario.StateLoad
    var writes: [Write] = []
    var pendings: [Pending] = []
    /// Each node's durable state, and the ids of the writes it holds (saved with it).
    var stores: [StateStore]
    var ledgers: [WriteLedger]
    /// Whether a write that may have run is sent on to the next owner: the runtime never does
    /// (tests turn it on to show what that costs: increments counted twice).
    var reissuesInDoubt = false
    var rings: [Int: (ring: HashRing, validUntil: Int64)] = [:]
    /// Rings by member list: most nodes see the same members, and a ring is costly to build.
    var ringsByMembers: [[NodeID]: HashRing] = [:]
    var exchanges = 0
    var statesShipped = 0
    var writtenKeys: Set<StateKey> = []
    /// How often each key had each revoked node's entries folded out of it: more than once
    /// would count them twice.
    var folds: [StateKey: [NodeID: Int]] = [:]
    /// The last check that found owners of a key disagreeing.
    var lastDisagreementAt: Int64?

    static let agreementCheckInterval: Int64 = 250_000_000

    /// The ring of `members`, built once per member set (at most 256 kept).
    mutating func ring(of members: [NodeID]) -> HashRing {
        let sorted = members.sorted()
        if let known = ringsByMembers[sorted] { return known }
        if ringsByMembers.count >= 256 { ringsByMembers.removeAll() }
        let ring = HashRing(members: sorted)
        ringsByMembers[sorted] = ring
        return ring
    }

    init(load: Scenario.StateLoad, nodes: Int) {
        self.load = load
        stores = Array(repeating: StateStore(), count: nodes)
        ledgers = Array(repeating: WriteLedger(), count: nodes)
    }
}

extension Simulation {
    func scheduleStateWrites() {
        guard let load = scenario.state else { return }
        state = StateTraffic(load: load, nodes: nodes.count)
        state?.reissuesInDoubt = reissueStateWritesInDoubt
        schedule(.state(.issue), at: Int64(load.fromSeconds * 1e9))
        for index in nodes.indices where load.antiEntropyIntervalSeconds > 0 {
            schedule(.state(.antiEntropy(node: index)), at: Int64(load.antiEntropyIntervalSeconds * 1e9 * random.unit()))
        }
        schedule(.state(.checkAgreement), at: Int64(load.fromSeconds * 1e9) + StateTraffic.agreementCheckInterval)
    }

    func handle(_ event: StateTraffic.Event) {
        guard var traffic = state.take() else { return }
        defer { state = traffic }
        switch event {
        case .issue:
            issueWrite(&traffic)
        case let .antiEntropy(node):
            startAntiEntropy(&traffic, from: node)
            prune(&traffic, at: node)
            schedule(.state(.antiEntropy(node: node)), at: now + Int64(traffic.load.antiEntropyIntervalSeconds * 1e9))
        case let .exchange(node, peer):
            startAntiEntropy(&traffic, from: node, with: peer)
        case let .writeArrives(write, attempt, owner):
            runWrite(&traffic, write: write, attempt: attempt, owner: owner)
        case let .attemptFailed(write, attempt, reason):
            guard traffic.writes[write].finishedAt == nil, traffic.writes[write].attempt == attempt else { return }
            traffic.writes[write].plan.attemptFailed(reason, reason == StateTraffic.refused ? .notRun : .inDoubt)
            nextWriteAttempt(&traffic, write: write)
        case let .writeAnswered(write, attempt, failure):
            guard traffic.writes[write].finishedAt == nil, traffic.writes[write].attempt == attempt else { return }
            traffic.writes[write].finishedAt = now
            traffic.writes[write].failure = failure
            traffic.writes[write].acknowledged = failure == nil
            // Saved on the owner that ran it but short of the level: it may spread.
            traffic.writes[write].uncertain = failure != nil
            trace.mix(0x57A7_0000_0000_0000 | UInt64(write))
        case let .deltaArrives(pending, replica, key, delta):
            guard nodes[replica].isRunning else { return }
            _ = traffic.stores[replica].merge(delta, into: key)
            let local = UInt64(max(0, nodes[replica].localTime(now).nanoseconds / 1_000_000))
            traffic.ledgers[replica].record(traffic.writes[traffic.pendings[pending].write].id, atMilliseconds: local)
            let owner = traffic.pendings[pending].owner
            guard !blocked(from: replica, to: owner) else { return }
            schedule(.state(.deltaAcknowledged(pending: pending, replica: replica)), at: now + callLatency(from: replica, to: owner))
        case let .deltaAcknowledged(pending, replica):
            tally(&traffic, pending: pending) { $0.answer(from: self.nodes[replica].id) }
        case let .deltaFailed(pending, replica, reason):
            tally(&traffic, pending: pending) { $0.fail(self.nodes[replica].id, because: reason) }
        case let .digestArrives(from, to, digest):
            guard nodes[to].isRunning else { return }
            let (ring, replicas) = stateRing(of: to, traffic: &traffic)
            let sender = nodes[from].id
            let answer = traffic.stores[to].answer(digest) { ring.owners(of: $0.placementKey, count: replicas).contains(sender) }
            guard !blocked(from: to, to: from) else { return }
            schedule(.state(.answerArrives(from: to, to: from, answer: answer)), at: now + callLatency(from: to, to: from))
        case let .answerArrives(from, to, answer):
            guard nodes[to].isRunning else { return }
            for (key, value) in answer.states { _ = traffic.stores[to].merge(value, into: key) }
            traffic.statesShipped += answer.states.count
            var wanted: [StateKey: StateValue] = [:]
            for key in answer.wanted { wanted[key] = traffic.stores[to][key] }
            guard !wanted.isEmpty, !blocked(from: to, to: from) else { return }
            traffic.statesShipped += wanted.count
            schedule(.state(.statesArrive(to: from, states: wanted)), at: now + callLatency(from: to, to: from))
        case let .statesArrive(to, states):
            guard nodes[to].isRunning else { return }
            for (key, value) in states { _ = traffic.stores[to].merge(value, into: key) }
        case .checkAgreement:
            if !disagreeingKeys(&traffic).isEmpty { traffic.lastDisagreementAt = now }
            schedule(.state(.checkAgreement), at: now + StateTraffic.agreementCheckInterval)
        }
    }

    private func issueWrite(_ traffic: inout StateTraffic) {
        let load = traffic.load
        let lastIssue = load.untilSeconds ?? (scenario.durationSeconds - load.budgetMilliseconds / 1000)
        let running = nodes.indices.filter { nodes[$0].isRunning && !nodes[$0].paused }
        if let entry = running.isEmpty ? nil : running[Int(random.next() % UInt64(running.count))],
           let key = try? StateKey(kind: load.kind == .counter ? .counter : .set, name: "key-\(random.next() % UInt64(load.keys))") {
            let (ring, replicas) = stateRing(of: entry, traffic: &traffic)
            let owners = ring.owners(of: key.placementKey, count: replicas)
            let deadline = Instant(nanoseconds: now) + .nanoseconds(Int64(load.budgetMilliseconds * 1e6))
            let plan = CallPlan(
                owners: owners, deadline: deadline, attemptTimeout: .nanoseconds(Int64(load.attemptTimeoutMilliseconds * 1e6)),
                reissuesInDoubt: traffic.reissuesInDoubt)
            traffic.writtenKeys.insert(key)
            let id = WriteID(high: seed, low: UInt64(traffic.writes.count))
            traffic.writes.append(StateTraffic.Write(id: id, key: key, element: "write-\(traffic.writes.count)", entry: entry, issuedAt: now, plan: plan))
            nextWriteAttempt(&traffic, write: traffic.writes.count - 1)
        }
        let next = now + Int64(1e9 / load.writesPerSecond)
        if Double(next) / 1e9 <= lastIssue { schedule(.state(.issue), at: next) }
    }

    private func nextWriteAttempt(_ traffic: inout StateTraffic, write: Int) {
        traffic.writes[write].attempt += 1
        let attempt = traffic.writes[write].attempt
        switch traffic.writes[write].plan.next(at: Instant(nanoseconds: now)) {
        case let .finish(failure):
            traffic.writes[write].finishedAt = now
            traffic.writes[write].failure = "\(failure.code)"
            traffic.writes[write].uncertain = failure.code == .uncertain
        case let .attempt(owner, until):
            guard let index = indexByID[owner] else { return }
            let entry = traffic.writes[write].entry
            schedule(.state(.attemptFailed(write: write, attempt: attempt, reason: "timed out")), at: until.nanoseconds)
            guard !blocked(from: entry, to: index) else { return }
            schedule(.state(.writeArrives(write: write, attempt: attempt, owner: index)), at: now + callLatency(from: entry, to: index))
        }
    }

    /// The owner asked runs the write, keeps it (durably), and ships the delta to the other
    /// owners it sees; it answers the entry node once its tally is decided.
    private func runWrite(_ traffic: inout StateTraffic, write: Int, attempt: Int, owner: Int) {
        let entry = traffic.writes[write].entry
        guard nodes[owner].isRunning else {
            schedule(.state(.attemptFailed(write: write, attempt: attempt, reason: StateTraffic.refused)), at: now + callLatency(from: owner, to: entry))
            return
        }
        let key = traffic.writes[write].key
        let local = UInt64(max(0, nodes[owner].localTime(now).nanoseconds / 1_000_000))
        let id = traffic.writes[write].id
        let shipped: StateValue
        if traffic.ledgers[owner].contains(id) {
            // Held here already (a retry): not applied again; the owner's state goes out.
            guard let held = traffic.stores[owner][key] else { return }
            shipped = held
        } else {
            let operation: StateOperation = key.kind == .counter ? .increment(1) : .insert([traffic.writes[write].element])
            guard let written = try? traffic.stores[owner].apply(operation, to: key, at: nodes[owner].id, nowMilliseconds: local) else { return }
            traffic.ledgers[owner].record(id, atMilliseconds: local)
            traffic.writes[write].applications += 1
            shipped = written.delta
        }
        let (ring, replicas) = stateRing(of: owner, traffic: &traffic)
        let owners = ring.owners(of: key.placementKey, count: replicas)
        var tally = ReplicaTally(owners: owners, level: traffic.load.level)
        tally.answer(from: nodes[owner].id)
        traffic.pendings.append(StateTraffic.Pending(write: write, attempt: attempt, owner: owner, life: nodes[owner].life, tally: tally))
        let pending = traffic.pendings.count - 1
        let timeout = Int64(traffic.load.attemptTimeoutMilliseconds * 1e6)
        for replicaID in owners where replicaID != nodes[owner].id {
            guard let replica = indexByID[replicaID] else { continue }
            schedule(.state(.deltaFailed(pending: pending, replica: replica, reason: "timed out")), at: now + timeout)
            guard !blocked(from: owner, to: replica) else { continue }
            if nodes[replica].isRunning {
                schedule(.state(.deltaArrives(pending: pending, replica: replica, key: key, delta: shipped)), at: now + callLatency(from: owner, to: replica))
            } else {
                schedule(.state(.deltaFailed(pending: pending, replica: replica, reason: StateTraffic.refused)), at: now + 2 * callLatency(from: owner, to: replica))
            }
        }
        self.tally(&traffic, pending: pending) { _ in }
    }

    /// Updates a pending write's tally; when it is decided, the owner answers the entry node.
    private func tally(_ traffic: inout StateTraffic, pending index: Int, _ update: (inout ReplicaTally) -> Void) {
        var pending = traffic.pendings[index]
        // What the owner was waiting for died with it.
        guard !pending.answered, nodes[pending.owner].isRunning, nodes[pending.owner].life == pending.life else { return }
        update(&pending.tally)
        let outcome = pending.tally.outcome
        if outcome != .pending {
            pending.answered = true
            let entry = traffic.writes[pending.write].entry
            if !blocked(from: pending.owner, to: entry) {
                let failure = outcome == .succeeded ? nil : pending.tally.failureReason
                schedule(.state(.writeAnswered(write: pending.write, attempt: pending.attempt, failure: failure)), at: now + callLatency(from: pending.owner, to: entry))
            }
        }
        traffic.pendings[index] = pending
    }

    /// Sends `node`'s digests of the keys a peer (`chosen`, or a random alive one) also owns (or should own: keys
    /// this node holds for owners it is no longer among are handed off the same way).
    private func startAntiEntropy(_ traffic: inout StateTraffic, from node: Int, with chosen: Int? = nil) {
        guard let view = nodes[node].membership else { return }
        let peer: Int
        if let chosen {
            peer = chosen
        } else {
            let peers = view.members.filter { $0.status == .alive }.compactMap { indexByID[$0.id] }
            guard !peers.isEmpty else { return }
            peer = peers[Int(random.next() % UInt64(peers.count))]
        }
        let (ring, replicas) = stateRing(of: node, traffic: &traffic)
        let peerID = nodes[peer].id
        let digest = traffic.stores[node].digest { ring.owners(of: $0.placementKey, count: replicas).contains(peerID) }
        traffic.exchanges += 1
        guard !blocked(from: node, to: peer) else { return }
        schedule(.state(.digestArrives(from: node, to: peer, digest: digest)), at: now + callLatency(from: node, to: peer))
    }

    /// A node's pruning step after its anti-entropy round, as the runtime's `pruneRemovedNodes`.
    private func prune(_ traffic: inout StateTraffic, at node: Int) {
        guard nodes[node].isRunning else { return }
        let (ring, replicas) = stateRing(of: node, traffic: &traffic)
        let local = UInt64(max(0, nodes[node].localTime(now).nanoseconds / 1_000_000))
        let lifetime = Int64(traffic.load.pruneMarkerSeconds * 1e9)
        let step = traffic.stores[node].advancePruning(
            me: nodes[node].id, removed: Set(revoked.keys), forgotten: Set(revoked.filter { now - $0.value >= lifetime }.keys),
            nowMilliseconds: local, markerLifetimeMilliseconds: UInt64(lifetime / 1_000_000)
        ) { ring.owners(of: $0.placementKey, count: replicas) }
        for (key, replica) in step.folded { traffic.folds[key, default: [:]][replica, default: 0] += 1 }
    }

    /// The ring of every member `node` sees alive or suspect and not draining, itself
    /// included unless it drains or leaves, as the runtime's `meshRing`; cached until its view
    /// changes, and for at most a second.
    private func stateRing(of node: Int, traffic: inout StateTraffic) -> (HashRing, Int) {
        if let cached = traffic.rings[node], cached.validUntil > now { return (cached.ring, traffic.load.replicas) }
        let view = nodes[node].membership
        let others = view?.members.filter(\.isPlaceable).map(\.id) ?? []
        let placeable = view.map { !$0.isLeaving && !$0.metadata.isDraining } ?? false
        let ring = traffic.ring(of: (placeable ? [nodes[node].id] : []) + others)
        traffic.rings[node] = (ring, now + 1_000_000_000)
        return (ring, traffic.load.replicas)
    }

    /// Keys whose owners (on the ring of the running nodes) hold different states.
    func disagreeingKeys(_ traffic: inout StateTraffic) -> [StateKey] {
        let ring = traffic.ring(of: nodes.indices.filter { nodes[$0].isRunning }.map { nodes[$0].id })
        return traffic.writtenKeys.sorted().filter { key in
            let owners = ring.owners(of: key.placementKey, count: traffic.load.replicas).compactMap { indexByID[$0] }
            let first = owners.first.flatMap { traffic.stores[$0][key] }
            return owners.dropFirst().contains { traffic.stores[$0][key] != first }
        }
    }

    /// The writes' outcome and what broke the rules: an acknowledged write some owner lacks at
    /// the end, owners of a key that disagree, or a write that never ended.
    func stateReport() -> (StateReport, [String])? {
        guard let traffic = state else { return nil }
        var violations: [String] = []
        let running = nodes.indices.filter { nodes[$0].isRunning }
        let ring = HashRing(members: running.map { nodes[$0].id })
        var lost = 0
        var overcounted = 0
        var divergent = 0
        let writesByKey = Dictionary(grouping: traffic.writes.indices, by: { traffic.writes[$0].key })
        for (key, writes) in writesByKey.sorted(by: { $0.key < $1.key }) {
            let owners = ring.owners(of: key.placementKey, count: traffic.load.replicas).compactMap { indexByID[$0] }
            let states = owners.map { traffic.stores[$0][key] }
            if Set(states.map { $0.map { StateStore.hash(of: $0) } }).count > 1 {
                divergent += 1
                violations.append("owners of \(key) disagree at the end")
            }
            if key.kind == .counter {
                // Each write adds one: a count below the acknowledged lost one, above the
                // acknowledged and uncertain together counted one twice.
                let acknowledged = writes.filter { traffic.writes[$0].acknowledged }.count
                let uncertain = writes.filter { traffic.writes[$0].uncertain }.count
                for (owner, state) in zip(owners, states) {
                    let count: Int64
                    if case let .counter(counter)? = state { count = counter.value } else { count = 0 }
                    if count < acknowledged {
                        lost += acknowledged - Int(count)
                        violations.append("\(key) counts \(count) on owner node \(owner), below its \(acknowledged) acknowledged increments")
                    } else if count > acknowledged + uncertain {
                        overcounted += 1
                        violations.append("\(key) counts \(count) on owner node \(owner), above its \(acknowledged) acknowledged and \(uncertain) uncertain increments")
                    }
                }
                continue
            }
            for write in writes where traffic.writes[write].acknowledged {
                for (owner, state) in zip(owners, states) {
                    guard case let .set(set)? = state, set.contains(traffic.writes[write].element) else {
                        lost += 1
                        violations.append("acknowledged \(traffic.writes[write].element) to \(key) is missing on owner node \(owner)")
                        continue
                    }
                }
            }
        }
        var naming = 0
        for index in running {
            for (key, value) in traffic.stores[index].values.sorted(by: { $0.key < $1.key }) {
                guard let removed = value.replicas.intersection(revoked.keys).sorted().first else { continue }
                naming += 1
                violations.append("\(key) on node \(index) still holds entries of revoked node \(removed.short)")
            }
        }
        for (key, byReplica) in traffic.folds.sorted(by: { $0.key < $1.key }) {
            for (replica, count) in byReplica.sorted(by: { $0.key < $1.key }) where count > 1 {
                violations.append("\(key) had revoked node \(replica.short)'s entries folded \(count) times")
            }
        }
        for (number, write) in traffic.writes.enumerated() where write.applications > 1 {
            violations.append("write \(number) to \(write.key) was applied by \(write.applications) owners")
        }
        for (number, write) in traffic.writes.enumerated() where write.finishedAt == nil {
            violations.append("write \(number), issued at \(format(Double(write.issuedAt) / 1e9)) s, never ended")
        }
        let acknowledged = traffic.writes.filter(\.acknowledged).count
        let uncertain = traffic.writes.filter(\.uncertain).count
        // Agreement from the last fault (or the first write) on: when the owners last disagreed.
        let since = max(metrics.lastFaultAt, Int64(traffic.load.fromSeconds * 1e9))
        let agreedAfter = divergent > 0 ? nil : Double(max(0, (traffic.lastDisagreementAt ?? since) + StateTraffic.agreementCheckInterval - since)) / 1e9
        let report = StateReport(
            issued: traffic.writes.count, acknowledged: acknowledged, uncertain: uncertain, failed: traffic.writes.count - acknowledged - uncertain,
            appliedTwice: traffic.writes.filter { $0.applications > 1 }.count, overcountedCopies: overcounted, lostAcknowledged: lost, divergentKeys: divergent, keys: writesByKey.count, exchanges: traffic.exchanges,
            statesShipped: traffic.statesShipped, ownersAgreedSecondsAfterLastFault: agreedAfter,
            keysPruned: traffic.folds.values.reduce(0) { $0 + $1.values.reduce(0, +) }, keysNamingRevoked: revoked.isEmpty ? nil : naming)
        return (report, violations)
    }
}

/// How the state writes of a run went.
public struct StateReport: Sendable {
    public let issued: Int
    public let acknowledged: Int
    /// Ended `uncertain`: applied once or not at all.
    public let uncertain: Int
    /// Refused: applied nowhere.
    public let failed: Int
    /// Writes more than one owner applied (each counts twice in a counter).
    public let appliedTwice: Int
    /// Counter copies above their acknowledged and uncertain increments.
    public let overcountedCopies: Int
    /// Acknowledged writes missing from some owner at the end, counted per owner.
    public let lostAcknowledged: Int
    public let divergentKeys: Int
    public let keys: Int
    public let exchanges: Int
    public let statesShipped: Int
    /// How long after the last fault the owners of every key agreed for good (checked every
    /// 250 ms; writes still arriving count as disagreement until they have spread).
    public let ownersAgreedSecondsAfterLastFault: Double?
    /// Keys a revoked node's entries were folded out of, by their primary owners.
    public let keysPruned: Int
    /// With revoked nodes: copies on running nodes that still hold their entries at the end.
    public let keysNamingRevoked: Int?

    var summary: String {
        "state: \(issued) writes, \(acknowledged) acknowledged, \(uncertain) uncertain, \(failed) refused; \(appliedTwice) applied twice; at the end \(lostAcknowledged) acknowledged writes missing, \(overcountedCopies) counter copies over, "
            + "\(divergentKeys) of \(keys) keys with owners that disagree; \(exchanges) anti-entropy exchanges shipped \(statesShipped) states; "
            + "owners agreed " + (ownersAgreedSecondsAfterLastFault.map { "\(format($0)) s after the last fault" } ?? "never")
            + (keysNamingRevoked.map { "; revoked nodes pruned from \(keysPruned) keys, \($0) copies still hold their entries" } ?? "")
    }
}
