import PelotonCore
import PelotonCrypto
import PelotonWire
import Testing
@testable import PelotonEvents

@Suite struct TopicTests {
    @Test(arguments: [
        ("orders.*", "orders.created", true), ("orders.*", "orders", false), ("orders.*", "orders.eu.created", false),
        ("orders.#", "orders", true), ("orders.#", "orders.eu.created", true), ("#", "anything.at.all", true),
        ("*.created", "orders.created", true), ("orders.#.created", "orders.created", true),
        ("orders.#.created", "orders.eu.fr.created", true), ("orders.#.created", "orders.eu.deleted", false),
        ("orders.created", "orders.created", true), ("orders.created", "orders.deleted", false), ("#.#", "a", true),
    ])
    func wildcardsMatchAsInAMQP(pattern: String, topic: String, matches: Bool) throws {
        #expect(try TopicPattern(pattern).matches(Topic(topic)) == matches)
    }

    @Test func badTopicsAreRefused() {
        for bad in ["", "a..b", ".a", "a.", "a b", "ä", String(repeating: "x", count: 256), "a.*"] {
            #expect(throws: EventError.self) { try Topic(bad) }
        }
        for bad in ["", "a..b", "a.*b", "a.#x"] {
            #expect(throws: EventError.self) { try TopicPattern(bad) }
        }
    }

    @Test func manyWildcardsStillMatchQuickly() throws {
        let pattern = try TopicPattern(Array(repeating: "#", count: 60).joined(separator: ".") + ".z")
        let topic = try Topic(Array(repeating: "a", count: 120).joined(separator: "."))
        #expect(!pattern.matches(topic))
    }
}

@Suite struct EventWireTests {
    static let origin = NodeID(high: 1, low: 2)

    static func event(_ topic: String = "orders.created", payload: [UInt8] = Array("{\"id\":7}".utf8)) throws -> MeshEvent {
        try MeshEvent(topic: Topic(topic), origin: origin, sequence: 1, publishedAtMilliseconds: 1_700_000_000_000, payload: payload)
    }

    @Test func batchesRoundTripAndRefuseEveryTruncation() throws {
        let batch = EventBatch(events: [try Self.event(), try Self.event("mesh.member.dead", payload: [])])
        let bytes = batch.wireBytes
        #expect(try EventBatch(wireBytes: bytes) == batch)
        for length in 0..<bytes.count {
            #expect(throws: WireError.self) { try EventBatch(wireBytes: bytes.prefix(length)) }
        }
        var random = SeededRandom(seed: 3)
        for _ in 0..<20_000 {
            var mutated = bytes
            for _ in 0..<Int.random(in: 1...3, using: &random) {
                mutated[Int.random(in: 0..<mutated.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
            }
            _ = try? EventBatch(wireBytes: mutated)
        }
    }

    @Test func theLargestEventFitsOneBatchAndLargerPayloadsAreRefused() throws {
        let largest = try Self.event(String(repeating: "t", count: Topic.maxBytes), payload: Array(repeating: 1, count: MeshEvent.maxPayloadBytes))
        #expect(largest.encodedSize <= EventGossipSettings().maxBatchBytes)
        #expect(EventBatch(events: [largest]).wireBytes.count == largest.encodedSize + 2)
        #expect(throws: EventError.payloadTooLarge(MeshEvent.maxPayloadBytes + 1, limit: MeshEvent.maxPayloadBytes)) {
            try Self.event(payload: Array(repeating: 0, count: MeshEvent.maxPayloadBytes + 1))
        }
    }
}

@Suite struct EventGossipTests {
    let peers = (1...5).map { NodeID(high: UInt64($0), low: 0) }

    @Test func anEventIsDeliveredOnceAndPassedOnALimitedNumberOfTimes() throws {
        var gossip = EventGossip()
        let event = try EventWireTests.event()
        let now = Instant(nanoseconds: 0)
        #expect(gossip.publish(event, members: 50, at: now) == event)
        #expect(gossip.receive([event], members: 50, at: now).isEmpty, "a copy is not delivered again")
        #expect(gossip.duplicatesDropped == 1)
        var sends = 0
        for _ in 0..<20 { sends += gossip.gossip(to: Array(peers.prefix(3))).filter { $0.batch.contains(event) }.count }
        // 4 × ceil(log10(51)) = 8 sends in all, then it is done.
        #expect(sends == 8)
        #expect(gossip.pendingCount == 0)
    }

    @Test func idsAreForgottenAfterTheRetentionOrBeyondTheLimit() throws {
        var settings = EventGossipSettings()
        settings.maxSeen = 10
        var gossip = EventGossip(settings: settings)
        let first = try EventWireTests.event()
        _ = gossip.receive([first], members: 3, at: Instant(nanoseconds: 0))
        for _ in 0..<10 { _ = gossip.receive([try EventWireTests.event()], members: 3, at: Instant(nanoseconds: 0)) }
        #expect(gossip.receive([first], members: 3, at: Instant(nanoseconds: 1)) == [first], "forgotten beyond the limit")
        var timed = EventGossip()
        _ = timed.receive([first], members: 3, at: Instant(nanoseconds: 0))
        #expect(timed.receive([first], members: 3, at: Instant(nanoseconds: 0) + .seconds(299)).isEmpty)
        #expect(timed.receive([first], members: 3, at: Instant(nanoseconds: 0) + .seconds(301)) == [first])
    }

    @Test func batchesStayWithinTheDatagramBudget() throws {
        var gossip = EventGossip()
        for index in 0..<40 {
            _ = gossip.publish(try EventWireTests.event(payload: Array(repeating: UInt8(index), count: 200)), members: 10, at: Instant(nanoseconds: 0))
        }
        for (_, batch) in gossip.gossip(to: peers) {
            #expect(EventBatch(events: batch).wireBytes.count <= gossip.settings.maxBatchBytes + 4)
        }
    }
}

extension EventGossipTests {
    @Test func aMissedEventIsPulledWithADigest() throws {
        let origin = NodeID(high: 9, low: 0)
        var publisher = EventGossip()
        var listener = EventGossip()
        let now = Instant(nanoseconds: 0)
        func next(_ gossip: inout EventGossip) throws -> MeshEvent {
            try MeshEvent(topic: Topic("orders.created"), origin: origin, sequence: gossip.takeSequence(), publishedAtMilliseconds: 0, payload: [])
        }
        let first = try next(&publisher)
        let lost = try next(&publisher)
        let third = try next(&publisher)
        for event in [first, lost, third] { _ = publisher.publish(event, members: 2, at: now) }
        // The listener hears the first and third; the second was lost on the way.
        _ = listener.receive([first, third], members: 2, at: now)
        #expect(listener.digest() == [EventWatermark(origin: origin, contiguous: 1)])
        let answer = publisher.answer(listener.digest(), at: now)
        #expect(answer.flatMap { $0 }.map(\.sequence) == [2, 3])
        #expect(listener.receiveRepair(answer.flatMap { $0 }, members: 2, at: now) == [lost], "the third is not delivered twice")
        #expect(listener.repaired == 1)
        #expect(listener.digest() == [EventWatermark(origin: origin, contiguous: 3)])
        #expect(publisher.answer(listener.digest(), at: now).isEmpty)
        // Past the retention, nothing is kept to answer with.
        #expect(publisher.answer([], at: now + .seconds(31)).isEmpty)
    }

    @Test func onlyANodeHoldingRecentEventsOffersItsDigestAndAPeerThatMissedSomeAsks() throws {
        let origin = NodeID(high: 9, low: 0)
        let (holderID, listenerID) = (NodeID(high: 1, low: 0), NodeID(high: 2, low: 0))
        var holder = EventGossip()
        var listener = EventGossip()
        let now = Instant(nanoseconds: 0)
        // An idle mesh sends no repair datagrams.
        let idleOffers = (holder.offer(at: now), listener.offer(at: now))
        #expect(idleOffers.0 == nil && idleOffers.1 == nil)
        let events = try (0..<3).map { _ in
            try MeshEvent(topic: Topic("orders.created"), origin: origin, sequence: holder.takeSequence(), publishedAtMilliseconds: 0, payload: [])
        }
        for event in events { _ = holder.publish(event, members: 2, at: now) }
        _ = listener.receive([events[0]], members: 2, at: now)
        let offered = holder.offer(at: now)
        let offer = try #require(offered)
        #expect(offer == [EventWatermark(origin: origin, contiguous: 3)])
        // The listener has nothing the holder lacks, and asks for what it missed.
        let (answer, ask) = listener.receiveDigest(offer, from: holderID, at: now)
        #expect(answer.isEmpty)
        let asked = try #require(ask)
        #expect(asked == [EventWatermark(origin: origin, contiguous: 1)])
        // The holder answers the ask with the two missed events, and asks nothing back.
        let (repair, askBack) = holder.receiveDigest(asked, from: listenerID, at: now)
        #expect(repair.flatMap { $0 }.map(\.sequence) == [2, 3])
        #expect(askBack == nil)
        let repaired = listener.receiveRepair(repair.flatMap { $0 }, members: 2, at: now)
        #expect(repaired.map(\.sequence) == [2, 3])
        let again = listener.receiveDigest(offer, from: holderID, at: now + .seconds(2))
        #expect(again.ask == nil, "nothing is lacking now")
        // Past the retention, nothing recent is left to offer.
        let late = holder.offer(at: now + .seconds(31))
        #expect(late == nil)
    }

    @Test func twoNodesLackingWhatTheOtherNoLongerHoldsAskOncePerInterval() throws {
        var gossip = EventGossip()
        let peer = NodeID(high: 3, low: 0)
        let unheard = [EventWatermark(origin: NodeID(high: 7, low: 0), contiguous: 5)]
        let start = Instant(nanoseconds: 0)
        let asks = [
            gossip.receiveDigest(unheard, from: peer, at: start).ask,
            gossip.receiveDigest(unheard, from: peer, at: start + .milliseconds(10)).ask,
            gossip.receiveDigest(unheard, from: NodeID(high: 4, low: 0), at: start + .milliseconds(10)).ask,
            gossip.receiveDigest(unheard, from: peer, at: start + .seconds(1)).ask,
        ]
        // Asked; not again of the same peer at once; of another peer; of the first a repair
        // interval later.
        #expect(asks.map { $0 != nil } == [true, false, true, true])
    }

    @Test func messagesRoundTripAndRefuseHostileInput() throws {
        let messages: [EventMessage] = [
            .batch(EventBatch(events: [try EventWireTests.event()])),
            .digest([EventWatermark(origin: NodeID(high: 1, low: 1), contiguous: 42)]),
        ]
        for message in messages {
            let bytes = message.wireBytes
            #expect(try EventMessage(wireBytes: bytes) == message)
            for length in 0..<bytes.count {
                #expect(throws: WireError.self) { try EventMessage(wireBytes: bytes.prefix(length)) }
            }
        }
        #expect(throws: WireError.self) { try EventMessage(wireBytes: [7]) }
    }
}
