import DequeModule
import PelotonCore
import PelotonCrypto

public struct EventGossipSettings: Sendable {
    /// Peers each gossip round sends to.
    public var fanout = 3
    public var interval: Duration = .milliseconds(200)
    /// Each node sends an event `retransmitMultiplier × ceil(log10(N + 1))` times, as memberlist
    /// does with its updates: enough that every member hears it despite loss, with high odds.
    public var retransmitMultiplier = 4
    /// How long an event id is remembered, so a late copy is not delivered twice.
    public var seenRetention: Duration = .seconds(300)
    /// At most this many ids remembered; the oldest are forgotten first.
    public var maxSeen = 200_000
    /// Bytes of events in one datagram.
    public var maxBatchBytes = 1_200
    /// Datagrams to one peer in one round, at most: a burst of events waits for the next round.
    public var maxBatchesPerPeer = 8
    /// How often a node holding recent events offers one random peer its digest, so a peer
    /// that missed some asks for them. A node with nothing recent sends none.
    public var repairInterval: Duration = .seconds(1)
    /// How long a node keeps events to answer such pulls.
    public var repairRetention: Duration = .seconds(30)

    public init() {}
}

/// Event dissemination as a pure state machine: a node that publishes or first hears an event
/// delivers it once to its local subscribers and passes it on to random peers for a limited
/// number of rounds (infection-style gossip, as SWIM spreads membership updates). Ids seen
/// recently are remembered, so every copy after the first is dropped: each subscriber gets an
/// event once.
public struct EventGossip: Sendable {
    public let settings: EventGossipSettings
    private var seen: [EventID: Instant] = [:]
    /// Seen ids in arrival order, for forgetting the oldest.
    private var seenOrder: Deque<(EventID, Instant)> = []
    /// Events still being passed on, oldest first, with their sends left.
    private var pending: [(event: MeshEvent, sendsLeft: Int)] = []
    public private(set) var duplicatesDropped = 0
    /// Per origin: every number up to `contiguous` heard, and those heard beyond it.
    private var heard: [NodeID: (contiguous: UInt64, beyond: Set<UInt64>)] = [:]
    /// Recent events, oldest first, to answer pulls.
    private var recent: Deque<(event: MeshEvent, at: Instant)> = []
    private var nextSequence: UInt64 = 0
    /// When this node last asked each peer for what it lacks: at most once per repair
    /// interval, so two nodes that each lack what the other no longer holds cannot keep
    /// asking each other.
    private var askedAt: [NodeID: Instant] = [:]
    public private(set) var repaired = 0
    static let maxGapTracked = 4096

    /// `firstSequence` should grow across restarts (the runtime uses its incarnation), so a
    /// node's new events never reuse numbers its peers have already heard.
    public init(settings: EventGossipSettings = EventGossipSettings(), firstSequence: UInt64 = 0) {
        self.settings = settings
        nextSequence = firstSequence
    }

    public var pendingCount: Int { pending.count }

    /// The number for this node's next event.
    public mutating func takeSequence() -> UInt64 {
        nextSequence += 1
        return nextSequence
    }

    /// Publishes an event from this node; returns it for local delivery, or nil when its id was
    /// seen before.
    public mutating func publish(_ event: MeshEvent, members: Int, at now: Instant) -> MeshEvent? {
        receive([event], members: members, at: now).first
    }

    /// Takes events from a peer (or a local publisher); returns those heard for the first
    /// time, in order, for delivery. `members` sizes how long they are passed on.
    public mutating func receive(_ events: [MeshEvent], members: Int, at now: Instant) -> [MeshEvent] {
        forget(before: now)
        var fresh: [MeshEvent] = []
        for event in events {
            guard seen[event.id] == nil else {
                duplicatesDropped += 1
                continue
            }
            seen[event.id] = now
            seenOrder.append((event.id, now))
            fresh.append(event)
            pending.append((event, sends(forMembers: members)))
            recent.append((event, now))
            note(event)
        }
        while seen.count > settings.maxSeen, let (oldest, _) = seenOrder.popFirst() { seen[oldest] = nil }
        return fresh
    }

    /// One gossip round: the events still being passed on go to each of `peers` (the shell
    /// picks `fanout` random alive members), least-sent first, in as many datagram-sized
    /// batches as they need (at most `maxBatchesPerPeer`); each event counts one send per peer.
    public mutating func gossip(to peers: [NodeID]) -> [(peer: NodeID, batch: [MeshEvent])] {
        var batches: [(peer: NodeID, batch: [MeshEvent])] = []
        for peer in peers {
            // Most sends left first, so a new event spreads at once and an old one that has mostly
            // been passed on waits when a round is full; among equals, in the order heard, so
            // one origin's events usually arrive in order (not a guarantee: loss reorders).
            let order = pending.indices.filter { pending[$0].sendsLeft > 0 }
                .sorted { (pending[$0].sendsLeft, -$0) > (pending[$1].sendsLeft, -$1) }
            var budget = settings.maxBatchBytes
            var batch: [MeshEvent] = []
            var sentBatches = 0
            for index in order {
                let size = pending[index].event.encodedSize
                if size > budget || batch.count == EventBatch.maxEvents {
                    batches.append((peer, batch))
                    sentBatches += 1
                    batch = []
                    budget = settings.maxBatchBytes
                    if sentBatches == settings.maxBatchesPerPeer { break }
                }
                budget -= size
                batch.append(pending[index].event)
                pending[index].sendsLeft -= 1
            }
            if !batch.isEmpty && sentBatches < settings.maxBatchesPerPeer { batches.append((peer, batch)) }
        }
        pending.removeAll { $0.sendsLeft <= 0 }
        return batches
    }

    /// This node's marks, for a peer to answer with what lies beyond them.
    public func digest() -> [EventWatermark] {
        heard.keys.sorted().prefix(EventMessage.maxWatermarks).compactMap { origin in
            heard[origin].map { EventWatermark(origin: origin, contiguous: $0.contiguous) }
        }
    }

    /// What this node offers a random peer each repair interval: its marks for the origins it
    /// holds recent events of. Nil when it holds none: an idle mesh sends no repair datagrams,
    /// and a node that missed events hears of them from one that holds them.
    public mutating func offer(at now: Instant) -> [EventWatermark]? {
        forget(before: now)
        guard !recent.isEmpty else { return nil }
        var origins: Set<NodeID> = []
        for (event, _) in recent { origins.insert(event.origin) }
        let marks = origins.sorted().prefix(EventMessage.maxWatermarks).compactMap { origin in
            heard[origin].map { EventWatermark(origin: origin, contiguous: $0.contiguous) }
        }
        return marks.isEmpty ? nil : marks
    }

    /// A peer's digest (an offer, or an ask): the recent events it lacks, to send it, and
    /// this node's own digest when the peer has heard events this node lacks, so that the
    /// peer answers with them (at most once per peer per repair interval).
    public mutating func receiveDigest(
        _ marks: [EventWatermark], from peer: NodeID, at now: Instant
    ) -> (answer: [[MeshEvent]], ask: [EventWatermark]?) {
        let answer = self.answer(marks, at: now)
        guard lacks(marks) else { return (answer, nil) }
        if let last = askedAt[peer], now - last < settings.repairInterval { return (answer, nil) }
        askedAt[peer] = now
        // Bounded: peers that stopped asking are forgotten after a while.
        if askedAt.count > 4096 { askedAt = askedAt.filter { now - $0.value < settings.repairRetention } }
        return (answer, digest())
    }

    /// Whether `marks` show an event this node has not heard: an origin it never heard, or
    /// one heard further without a gap than here.
    func lacks(_ marks: [EventWatermark]) -> Bool {
        marks.contains { mark in
            guard let mine = heard[mark.origin] else { return mark.contiguous > 0 }
            return mark.contiguous > mine.contiguous
        }
    }

    /// The recent events a peer lacks by its digest, in datagram-sized batches (at most
    /// `maxBatchesPerPeer`). An origin the peer has never heard of gets everything recent.
    public mutating func answer(_ digest: [EventWatermark], at now: Instant) -> [[MeshEvent]] {
        forget(before: now)
        var marks: [NodeID: UInt64] = [:]
        for mark in digest { marks[mark.origin] = mark.contiguous }
        var batches: [[MeshEvent]] = []
        var batch: [MeshEvent] = []
        var budget = settings.maxBatchBytes
        for (event, _) in recent where event.sequence > marks[event.origin, default: 0] {
            let size = event.encodedSize
            if size > budget || batch.count == EventBatch.maxEvents {
                batches.append(batch)
                if batches.count == settings.maxBatchesPerPeer { return batches }
                batch = []
                budget = settings.maxBatchBytes
            }
            budget -= size
            batch.append(event)
        }
        if !batch.isEmpty { batches.append(batch) }
        return batches
    }

    /// Takes events a peer sent in answer to this node's digest: like `receive`, but counted
    /// as repairs.
    public mutating func receiveRepair(_ events: [MeshEvent], members: Int, at now: Instant) -> [MeshEvent] {
        let fresh = receive(events, members: members, at: now)
        repaired += fresh.count
        return fresh
    }

    private mutating func note(_ event: MeshEvent) {
        // The first event heard from an origin sets where its marks start: earlier ones came
        // before this node was listening and are not asked for.
        var mark = heard[event.origin] ?? (event.sequence &- 1, [])
        if event.sequence > mark.contiguous { mark.beyond.insert(event.sequence) }
        while mark.beyond.remove(mark.contiguous &+ 1) != nil { mark.contiguous += 1 }
        // A gap that never fills (an event lost beyond repair) must not grow this without
        // bound: past a limit, give up on the oldest gap.
        while mark.beyond.count > Self.maxGapTracked, let lowest = mark.beyond.min() {
            mark.contiguous = lowest - 1
            while mark.beyond.remove(mark.contiguous &+ 1) != nil { mark.contiguous += 1 }
        }
        heard[event.origin] = mark
    }

    private func sends(forMembers members: Int) -> Int {
        var digits = 1
        var rest = max(1, members + 1)
        while rest > 10 {
            rest = (rest + 9) / 10
            digits += 1
        }
        return settings.retransmitMultiplier * digits
    }

    private mutating func forget(before now: Instant) {
        while let (_, at) = recent.first, now - at > settings.repairRetention { recent.removeFirst() }
        while let (id, at) = seenOrder.first, now - at > settings.seenRetention {
            seenOrder.removeFirst()
            if seen[id] == at { seen[id] = nil }
        }
    }
}
