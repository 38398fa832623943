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

    public init(settings: EventGossipSettings = EventGossipSettings()) {
        self.settings = settings
    }

    public var pendingCount: Int { pending.count }

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
        }
        while seen.count > settings.maxSeen, let (oldest, _) = seenOrder.popFirst() { seen[oldest] = nil }
        return fresh
    }

    /// One gossip round: a batch for each of `peers` (the shell picks `fanout` random alive
    /// members), each event counted as sent once per peer it goes to.
    public mutating func gossip(to peers: [NodeID]) -> [(peer: NodeID, batch: [MeshEvent])] {
        var batches: [(peer: NodeID, batch: [MeshEvent])] = []
        for peer in peers {
            guard !pending.isEmpty else { break }
            var budget = settings.maxBatchBytes
            var batch: [MeshEvent] = []
            for index in pending.indices where pending[index].sendsLeft > 0 && batch.count < EventBatch.maxEvents {
                let size = pending[index].event.encodedSize
                guard size <= budget else { continue }
                budget -= size
                batch.append(pending[index].event)
                pending[index].sendsLeft -= 1
            }
            pending.removeAll { $0.sendsLeft <= 0 }
            if !batch.isEmpty { batches.append((peer, batch)) }
        }
        return batches
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
        while let (id, at) = seenOrder.first, now - at > settings.seenRetention {
            seenOrder.removeFirst()
            if seen[id] == at { seen[id] = nil }
        }
    }
}
