import PelotonCore
import PelotonCrypto
import PelotonEvents
import PelotonNodeCore
import Testing

/// Event rounds as both shells drive them.
@Suite struct EventRoundsTests {
    let me = NodeID(high: 1, low: 1)
    let peers = (2...9).map { NodeID(high: UInt64($0), low: UInt64($0)) }
    let start = Instant(nanoseconds: 5_000_000_000)

    func event(_ sequence: UInt64) throws -> MeshEvent {
        try MeshEvent(topic: try Topic("t.x"), origin: me, sequence: sequence, publishedAtMilliseconds: 0, payload: [1])
    }

    @Test func aPublishedEventGoesToFanoutDistinctPeersAtTheNextRound() throws {
        var rounds = EventRounds(gossip: EventGossip(), random: SeededRandom(seed: 1), now: start)
        #expect(rounds.nextRoundAt < start + rounds.settings.interval + rounds.settings.repairInterval)
        _ = rounds.publish(try event(rounds.takeSequence()), members: 9, at: start)
        let sends = rounds.tick(at: start + rounds.settings.repairInterval, alive: peers)
        let batchPeers = sends.compactMap { send -> NodeID? in if case let .batch(_, peer) = send { peer } else { nil } }
        #expect(batchPeers.count == rounds.settings.fanout)
        #expect(Set(batchPeers).count == batchPeers.count)
        #expect(batchPeers.allSatisfy(peers.contains))
    }

    @Test func theSameSeedPicksTheSamePeers() throws {
        func picks(seed: UInt64) throws -> [NodeID] {
            var rounds = EventRounds(gossip: EventGossip(), random: SeededRandom(seed: seed), now: start)
            _ = rounds.publish(try event(rounds.takeSequence()), members: 9, at: start)
            return rounds.tick(at: start + .seconds(2), alive: peers).map { send in
                switch send {
                case let .batch(_, peer), let .digest(_, peer): peer
                }
            }
        }
        let first = try picks(seed: 7)
        #expect(!first.isEmpty)
        #expect(try picks(seed: 7) == first)
        #expect(try (8...20).contains { try picks(seed: $0) != first })
    }

    @Test func anIdleNodeSendsNothingAndADigestIsAnsweredToItsSender() throws {
        var idle = EventRounds(gossip: EventGossip(), random: SeededRandom(seed: 2), now: start)
        #expect(idle.tick(at: start + .seconds(2), alive: peers).isEmpty)

        var holder = EventRounds(gossip: EventGossip(), random: SeededRandom(seed: 3), now: start)
        _ = holder.publish(try event(holder.takeSequence()), members: 2, at: start)
        let asker = peers[0]
        let (delivered, sends) = holder.receive(.digest([]), from: asker, members: 2, at: start)
        #expect(delivered.isEmpty)
        guard case let .batch(events, to)? = sends.first else {
            Issue.record("a digest lacking the event must be answered with it: \(sends)")
            return
        }
        #expect(to == asker && events.count == 1)
    }
}
