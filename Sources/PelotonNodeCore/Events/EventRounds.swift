import PelotonCore
import PelotonCrypto
import PelotonEvents

/// A node's event dissemination, decided without I/O: every gossip interval, pending events go
/// to `fanout` alive members drawn from a seeded generator; every repair interval, an offer of
/// this node's marks goes to one of them (only when it holds recent events); a digest heard is
/// answered with what the peer lacks, and with this node's own marks when the peer has heard
/// more. The runtime and the simulator both drive this value and only move its datagrams.
public struct EventRounds: Sendable {
    /// A datagram to send.
    public enum Send: Equatable, Sendable {
        case batch([MeshEvent], to: NodeID)
        /// This node's marks: an offer, or an ask in answer to a peer's digest.
        case digest([EventWatermark], to: NodeID)
    }

    public private(set) var gossip: EventGossip
    private var random: SeededRandom
    private var nextGossipAt: Instant
    private var nextRepairAt: Instant

    /// The first rounds fall within one interval of `now`, at a point drawn from `random`, so
    /// nodes started together do not send in step.
    public init(gossip: EventGossip, random: SeededRandom, now: Instant) {
        self.gossip = gossip
        self.random = random
        let interval = gossip.settings.interval.nanosecondsClamped
        let repair = gossip.settings.repairInterval.nanosecondsClamped
        nextGossipAt = now + .nanoseconds(interval > 0 ? Int64(self.random.next() % UInt64(interval)) : 0)
        nextRepairAt = now + .nanoseconds(repair > 0 ? Int64(self.random.next() % UInt64(repair)) : 0)
    }

    public var settings: EventGossipSettings { gossip.settings }

    /// The next sequence number for an event this node publishes.
    public mutating func takeSequence() -> UInt64 { gossip.takeSequence() }

    /// Starts spreading an event published here; the event to deliver here, unless seen.
    public mutating func publish(_ event: MeshEvent, members: Int, at now: Instant) -> MeshEvent? {
        gossip.publish(event, members: members, at: now)
    }

    /// The earliest time a round may be due: the shell's timer need not wake before it.
    public var nextRoundAt: Instant { min(nextGossipAt, nextRepairAt) }

    /// The rounds due at `now`, to the members `alive` lists (this node excluded).
    public mutating func tick(at now: Instant, alive: [NodeID]) -> [Send] {
        var sends: [Send] = []
        if now >= nextGossipAt {
            nextGossipAt = now + gossip.settings.interval
            if gossip.pendingCount > 0 {
                for (peer, batch) in gossip.gossip(to: pick(gossip.settings.fanout, of: alive)) { sends.append(.batch(batch, to: peer)) }
            }
        }
        if now >= nextRepairAt {
            nextRepairAt = now + gossip.settings.repairInterval
            if let offer = gossip.offer(at: now), let peer = pick(1, of: alive).first { sends.append(.digest(offer, to: peer)) }
        }
        return sends
    }

    /// A datagram from `sender`: the events to deliver here, and what to send back.
    public mutating func receive(_ message: EventMessage, from sender: NodeID, members: Int, at now: Instant) -> (delivered: [MeshEvent], sends: [Send]) {
        switch message {
        case let .batch(batch):
            return (gossip.receive(batch.events, members: members, at: now), [])
        case let .digest(marks):
            let (answer, ask) = gossip.receiveDigest(marks, from: sender, at: now)
            var sends = answer.map { Send.batch($0, to: sender) }
            if let ask { sends.append(.digest(ask, to: sender)) }
            return ([], sends)
        }
    }

    /// `count` distinct members of `candidates`, drawn from the seeded generator.
    private mutating func pick(_ count: Int, of candidates: [NodeID]) -> [NodeID] {
        var left = candidates
        var picked: [NodeID] = []
        while picked.count < count, !left.isEmpty {
            picked.append(left.remove(at: Int(random.next() % UInt64(left.count))))
        }
        return picked
    }
}
