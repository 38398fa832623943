import PelotonCore
import PelotonCrypto
import PelotonMembership
import PelotonNodeCore
import PelotonPlacement
import PelotonServices
import PelotonState

/// Writes to replicated state through the simulated mesh, decided by the runtime's own rules:
/// the entry node finds the key's owners in its own view and drives a `CoordinatedWrite`; the
/// owner asked runs it on its `ReplicaState` and drives an `OwnerWrite` (ship the delta to the
/// other owners it sees, answer once the level is met or cannot be). Every node also runs
/// digest anti-entropy with a random peer. A node's `ReplicaState` is what it keeps on disk,
/// so it survives a crash; what a node was waiting for does not. This file moves the messages
/// and checks the outcome.
struct StateTraffic {
    struct Write {
        let id: WriteID
        let key: StateKey
        let element: String
        var entry: Int
        let issuedAt: Int64
        var coordination: CoordinatedWrite
        /// 0 for the client's first try, 1 for its retry with the same id.
        var round = 0
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
        let round: Int
        let owner: Int
        let life: Int
        var ownerWrite: OwnerWrite
    }

    enum Event {
        case issue
        case antiEntropy(node: Int)
        /// A node compares state with a member it has just seen (re)appear.
        case exchange(from: Int, with: Int)
        case writeArrives(write: Int, round: Int, owner: Int)
        /// The answer of `owner` (or the transport's failure) reaches the entry node.
        case writeAnswered(write: Int, round: Int, owner: Int, Result<StateResponse, CallFailure>)
        /// The client tries an uncertain write again, with the same id.
        case retry(write: Int)
        case deltaArrives(pending: Int, replica: Int, key: StateKey, delta: StateValue)
        /// A replica's answer to a delta (or the transport's failure) reaches the owner.
        case deltaAnswered(pending: Int, replica: Int, Result<StateResponse, CallFailure>)
        case digestArrives(from: Int, to: Int, digest: [DigestEntry])
        case answerArrives(from: Int, to: Int, answer: DigestAnswer)
        case statesArrive(to: Int, states: [StateKey: StateValue])
        /// Checks whether the owners of every written key agree, for the convergence time.
        case checkAgreement

        /// The node whose process handles this event.
        func node(in traffic: StateTraffic) -> Int? {
            switch self {
            case .issue, .checkAgreement, .retry: nil
            case let .antiEntropy(node), let .exchange(node, _): node
            case let .writeArrives(_, _, owner): owner
            case let .writeAnswered(write, _, _, _): traffic.writes[write].entry
            case let .deltaArrives(_, replica, _, _): replica
            case let .deltaAnswered(pending, _, _): traffic.pendings[pending].owner
            case let .digestArrives(_, to, _), let .answerArrives(_, to, _), let .statesArrive(to, _): to
            }
        }
    }

    /// What the transport reports when nothing listens at the owner, and when no answer came.
    static let refused = CallFailure(.notOffered, "connection refused")
    static let timedOut = CallFailure(.uncertain, "timed out")

    let load: Scenario.StateLoad
    var writes: [Write] = []
    var pendings: [Pending] = []
    /// Each node's durable state, with the ids of the writes it holds.
    var replicas: [ReplicaState]
    /// Whether a write that may have run is sent on to the next owner: the runtime never does
    /// (tests turn it on to show what that costs: increments counted twice).
    var reissuesInDoubt = false
    var rings: [Int: (ring: HashRing, validUntil: Int64)] = [:]
    /// Rings by member list: most nodes see the same members, and a ring is costly to build.
    var ringsByMembers: [[NodeID]: HashRing] = [:]
    var exchanges = 0
    /// Uncertain writes the client tried again.
    var retried = 0
    var statesShipped = 0
    var writtenKeys: Set<StateKey> = []
    /// How often each key had each revoked node's entries folded out of it: more than once
    /// would count them twice.
    var folds: [StateKey: [NodeID: Int]] = [:]
    /// Acknowledged writes fewer owners held than their level needs, when the answer came.
    var underAcknowledged: [String] = []
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

    init(load: Scenario.StateLoad, nodes: [NodeID]) {
        self.load = load
        replicas = nodes.map { ReplicaState(me: $0) }
    }
}

extension Simulation {
    func scheduleStateWrites() {
        guard let load = scenario.state else { return }
        state = StateTraffic(load: load, nodes: nodes.map(\.id))
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
        case let .writeArrives(write, round, owner):
            runWrite(&traffic, write: write, round: round, owner: owner)
        case let .writeAnswered(write, round, owner, answer):
            guard traffic.writes[write].round == round,
                  let step = traffic.writes[write].coordination.receive(answer, from: nodes[owner].id, at: Instant(nanoseconds: now))
            else { return }
            take(step, &traffic, write: write)
        case let .retry(write):
            retryWrite(&traffic, write: write)
        case let .deltaArrives(pending, replica, key, delta):
            guard nodes[replica].isRunning else { return }
            let local = UInt64(max(0, nodes[replica].localTime(now).nanoseconds / 1_000_000))
            _ = traffic.replicas[replica].merge(write: traffic.writes[traffic.pendings[pending].write].id, key: key, delta: delta, nowMilliseconds: local)
            let owner = traffic.pendings[pending].owner
            guard !blocked(from: replica, to: owner) else { return }
            schedule(.state(.deltaAnswered(pending: pending, replica: replica, .success(.merged))), at: now + callLatency(from: replica, to: owner))
        case let .deltaAnswered(pending, replica, answer):
            let current = traffic.pendings[pending]
            // What the owner was waiting for died with it.
            guard nodes[current.owner].isRunning, nodes[current.owner].life == current.life,
                  let effect = traffic.pendings[pending].ownerWrite.replicaAnswered(nodes[replica].id, answer) else { return }
            carryOut([effect], &traffic, pending: pending)
        case let .digestArrives(from, to, digest):
            guard nodes[to].isRunning else { return }
            let (ring, replicas) = stateRing(of: to, traffic: &traffic)
            let sender = nodes[from].id
            let answer = AntiEntropyScope(ring: ring, replicas: replicas).answer(digest, from: sender, by: &traffic.replicas[to])
            guard !blocked(from: to, to: from) else { return }
            schedule(.state(.answerArrives(from: to, to: from, answer: answer)), at: now + callLatency(from: to, to: from))
        case let .answerArrives(from, to, answer):
            guard nodes[to].isRunning else { return }
            for (key, value) in answer.states { _ = traffic.replicas[to].merge(value, into: key) }
            traffic.statesShipped += answer.states.count
            var wanted: [StateKey: StateValue] = [:]
            for key in answer.wanted { wanted[key] = traffic.replicas[to][key] }
            guard !wanted.isEmpty, !blocked(from: to, to: from) else { return }
            traffic.statesShipped += wanted.count
            schedule(.state(.statesArrive(to: from, states: wanted)), at: now + callLatency(from: to, to: from))
        case let .statesArrive(to, states):
            guard nodes[to].isRunning else { return }
            for (key, value) in states { _ = traffic.replicas[to].merge(value, into: key) }
        case .checkAgreement:
            if !disagreeingKeys(&traffic).isEmpty { traffic.lastDisagreementAt = now }
            schedule(.state(.checkAgreement), at: now + StateTraffic.agreementCheckInterval)
        }
    }

    private func issueWrite(_ traffic: inout StateTraffic) {
        let load = traffic.load
        let lastIssue = load.untilSeconds ?? (scenario.durationSeconds - load.budgetMilliseconds / 1000)
        if let entry = writeEntryNode(),
           let key = try? StateKey(kind: load.kind == .counter ? .counter : .set, name: "key-\(random.next() % UInt64(load.keys))") {
            traffic.writtenKeys.insert(key)
            let id = WriteID(high: seed, low: UInt64(traffic.writes.count))
            let (coordination, first) = coordinate(id, to: key, at: entry, &traffic)
            traffic.writes.append(StateTraffic.Write(id: id, key: key, element: "write-\(traffic.writes.count)", entry: entry, issuedAt: now, coordination: coordination))
            take(first, &traffic, write: traffic.writes.count - 1)
        }
        let next = now + Int64(1e9 / load.writesPerSecond)
        if Double(next) / 1e9 <= lastIssue { schedule(.state(.issue), at: next) }
    }

    /// Write `id` to `key` as `entry` coordinates it, from its own view, and its first step.
    private func coordinate(_ id: WriteID, to key: StateKey, at entry: Int, _ traffic: inout StateTraffic) -> (CoordinatedWrite, CoordinatedWrite.Step) {
        let load = traffic.load
        let (ring, replicas) = stateRing(of: entry, traffic: &traffic)
        let deadline = Instant(nanoseconds: now) + .nanoseconds(Int64(load.budgetMilliseconds * 1e6))
        var coordination = CoordinatedWrite(
            write: id, owners: ring.owners(of: key.placementKey, count: replicas), deadline: deadline,
            attemptTimeout: .nanoseconds(Int64(load.attemptTimeoutMilliseconds * 1e6)), reissuesInDoubt: traffic.reissuesInDoubt)
        let first = coordination.start(at: Instant(nanoseconds: now))
        return (coordination, first)
    }

    /// A random running node that is not paused: where a client's write enters.
    private func writeEntryNode() -> Int? {
        let running = nodes.indices.filter { nodes[$0].isRunning && !nodes[$0].paused }
        return running.isEmpty ? nil : running[Int(random.next() % UInt64(running.count))]
    }

    /// The client's one retry of an uncertain write: the same id, through a random running node.
    private func retryWrite(_ traffic: inout StateTraffic, write: Int) {
        guard let entry = writeEntryNode() else { return }
        let (coordination, first) = coordinate(traffic.writes[write].id, to: traffic.writes[write].key, at: entry, &traffic)
        traffic.writes[write].round += 1
        traffic.writes[write].entry = entry
        traffic.writes[write].coordination = coordination
        traffic.writes[write].finishedAt = nil
        traffic.writes[write].failure = nil
        traffic.writes[write].uncertain = false
        traffic.retried += 1
        take(first, &traffic, write: write)
    }

    /// Carries out the entry node's next step for `write`: end it, or send it to the owner
    /// (and hear a time-out at the attempt's limit if nothing came before).
    private func take(_ step: CoordinatedWrite.Step, _ traffic: inout StateTraffic, write: Int) {
        switch step {
        case let .finished(outcome):
            traffic.writes[write].finishedAt = now
            switch outcome {
            case let .success(result):
                traffic.writes[write].acknowledged = true
                checkHolders(&traffic, write: write, result: result)
            case let .failure(failure):
                traffic.writes[write].failure = "\(failure.code)"
                traffic.writes[write].uncertain = failure.code == .uncertain
                if failure.code == .uncertain, traffic.writes[write].round == 0, let delay = traffic.load.retryUncertainAfterMilliseconds {
                    schedule(.state(.retry(write: write)), at: now + Int64(delay * 1e6))
                }
            }
            trace.mix(0x57A7_0000_0000_0000 | UInt64(write))
        case let .ask(owner, until):
            guard let index = indexByID[owner] else { return }
            let entry = traffic.writes[write].entry
            let round = traffic.writes[write].round
            schedule(.state(.writeAnswered(write: write, round: round, owner: index, .failure(StateTraffic.timedOut))), at: until.nanoseconds)
            guard !blocked(from: entry, to: index) else { return }
            schedule(.state(.writeArrives(write: write, round: round, owner: index)), at: now + callLatency(from: entry, to: index))
        }
    }

    /// An acknowledged write must be held, when its answer arrives, by at least as many owners
    /// as its level needs: counted from what the nodes hold (the simulator's truth), against
    /// the level's own arithmetic written out here, not the product's.
    private func checkHolders(_ traffic: inout StateTraffic, write: Int, result: StateWriteResult) {
        let needed =
            switch traffic.load.level {
            case .one: 1
            case .quorum: result.owners / 2 + 1
            case .all: result.owners
            }
        let holders = traffic.replicas.filter { $0.holds(traffic.writes[write].id) }.count
        guard holders < needed || result.acknowledged < needed else { return }
        traffic.underAcknowledged.append(
            "write \(write) to \(traffic.writes[write].key) was acknowledged at \(traffic.load.level.rawValue) of \(result.owners) owners with \(result.acknowledged) acknowledgements and \(holders) holders; it needs \(needed)")
    }

    /// The owner asked runs the write on what it holds (durably) and carries out its
    /// `OwnerWrite`: the delta to the other owners it sees, the answer once decided.
    private func runWrite(_ traffic: inout StateTraffic, write: Int, round: Int, owner: Int) {
        // The request came over a connection from that round's entry node: gone if the client
        // has moved on, and its answer with it.
        let entry = traffic.writes[write].entry
        guard nodes[owner].isRunning else {
            schedule(.state(.writeAnswered(write: write, round: round, owner: owner, .failure(StateTraffic.refused))), at: now + callLatency(from: owner, to: entry))
            return
        }
        let key = traffic.writes[write].key
        let local = UInt64(max(0, nodes[owner].localTime(now).nanoseconds / 1_000_000))
        let operation: StateOperation = key.kind == .counter ? .increment(1) : .insert([traffic.writes[write].element])
        let saved: Result<ReplicaState.WriteApplication, OwnerWrite.SaveFailure>
        do {
            saved = .success(try traffic.replicas[owner].apply(operation, to: key, write: traffic.writes[write].id, nowMilliseconds: local))
        } catch {
            saved = .failure(.invalid(error.description))
        }
        if case .success(.applied) = saved { traffic.writes[write].applications += 1 }
        let (ring, replicas) = stateRing(of: owner, traffic: &traffic)
        let ownerWrite = OwnerWrite(
            write: traffic.writes[write].id, key: key, level: traffic.load.level, owners: ring.owners(of: key.placementKey, count: replicas), me: nodes[owner].id)
        traffic.pendings.append(StateTraffic.Pending(write: write, round: round, owner: owner, life: nodes[owner].life, ownerWrite: ownerWrite))
        let pending = traffic.pendings.count - 1
        let effects = traffic.pendings[pending].ownerWrite.saved(saved)
        carryOut(effects, &traffic, pending: pending)
    }

    /// Carries out an owner's write effects: deltas to the other owners (each answered, or
    /// timed out at the attempt timeout), the answer to the entry node.
    private func carryOut(_ effects: [OwnerWrite.Effect], _ traffic: inout StateTraffic, pending index: Int) {
        let pending = traffic.pendings[index]
        for effect in effects {
            switch effect {
            case let .ship(delta, owners):
                let timeout = Int64(traffic.load.attemptTimeoutMilliseconds * 1e6)
                for replicaID in owners {
                    guard let replica = indexByID[replicaID] else { continue }
                    schedule(.state(.deltaAnswered(pending: index, replica: replica, .failure(StateTraffic.timedOut))), at: now + timeout)
                    guard !blocked(from: pending.owner, to: replica) else { continue }
                    if nodes[replica].isRunning {
                        schedule(
                            .state(.deltaArrives(pending: index, replica: replica, key: pending.ownerWrite.key, delta: delta)),
                            at: now + callLatency(from: pending.owner, to: replica))
                    } else {
                        schedule(
                            .state(.deltaAnswered(pending: index, replica: replica, .failure(StateTraffic.refused))),
                            at: now + 2 * callLatency(from: pending.owner, to: replica))
                    }
                }
            case let .answer(answer):
                guard traffic.writes[pending.write].round == pending.round else { continue }
                let entry = traffic.writes[pending.write].entry
                guard !blocked(from: pending.owner, to: entry) else { continue }
                schedule(
                    .state(.writeAnswered(write: pending.write, round: pending.round, owner: pending.owner, answer)), at: now + callLatency(from: pending.owner, to: entry))
            }
        }
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
        let digest = AntiEntropyScope(ring: ring, replicas: replicas).digest(of: &traffic.replicas[node], for: peerID)
        traffic.exchanges += 1
        guard !blocked(from: node, to: peer) else { return }
        schedule(.state(.digestArrives(from: node, to: peer, digest: digest)), at: now + callLatency(from: node, to: peer))
    }

    /// A drained node about to leave hands its keys to their new owners, as the runtime's drain
    /// does: one exchange with each member `DrainHandoff` names.
    func handOffState(from node: Int) {
        guard var traffic = state.take() else { return }
        defer { state = traffic }
        guard let view = nodes[node].membership else { return }
        let (ring, replicas) = stateRing(of: node, traffic: &traffic)
        let alive = view.members.filter { $0.status == .alive }.map(\.id)
        for peer in DrainHandoff.recipients(of: traffic.replicas[node], in: AntiEntropyScope(ring: ring, replicas: replicas), alive: alive) {
            guard let index = indexByID[peer] else { continue }
            startAntiEntropy(&traffic, from: node, with: index)
        }
    }

    /// A node's pruning step after its anti-entropy round, as the runtime's `pruneRemovedNodes`.
    private func prune(_ traffic: inout StateTraffic, at node: Int) {
        guard nodes[node].isRunning else { return }
        let (ring, replicas) = stateRing(of: node, traffic: &traffic)
        let local = UInt64(max(0, nodes[node].localTime(now).nanoseconds / 1_000_000))
        let lifetime = Int64(traffic.load.pruneMarkerSeconds * 1e9)
        let step = traffic.replicas[node].advancePruning(
            removed: Set(revoked.keys), forgotten: Set(revoked.filter { now - $0.value >= lifetime }.keys),
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
            let first = owners.first.flatMap { traffic.replicas[$0][key] }
            return owners.dropFirst().contains { traffic.replicas[$0][key] != first }
        }
    }
}
