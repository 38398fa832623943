import PelotonCrypto
import Testing
@testable import PelotonState

@Suite struct StateStoreTests {
    let alice = NodeID(high: 1, low: 0)
    let bob = NodeID(high: 2, low: 0)
    let carol = NodeID(high: 3, low: 0)
    let hits = StateMessageTests.key(.counter, "hits")
    let tags = StateMessageTests.key(.set, "tags")

    @Test func aWriteReturnsTheDeltaOtherOwnersMerge() throws {
        var owner = StateStore()
        var replica = StateStore()
        let first = try owner.apply(.add(5), to: hits, at: alice, nowMilliseconds: 0)
        #expect(replica.merge(first.delta, into: hits) == first.state)
        let second = try owner.apply(.add(2), to: hits, at: alice, nowMilliseconds: 0)
        #expect(replica.merge(second.delta, into: hits) == second.state)
        #expect(replica.merge(second.delta, into: hits) == nil, "a repeated delta changes nothing")
        #expect(replica[hits] == owner[hits])
    }

    @Test func antiEntropyShipsOnlyWhatDiffers() throws {
        var a = StateStore()
        var b = StateStore()
        let same = StateMessageTests.key(.flag, "same")
        let delta = try a.apply(.enable, to: same, at: alice, nowMilliseconds: 0).delta
        _ = b.merge(delta, into: same)
        _ = try a.apply(.insert(["x"]), to: tags, at: alice, nowMilliseconds: 0)
        _ = try b.apply(.add(1), to: hits, at: bob, nowMilliseconds: 0)
        let answer = b.answer(a.digest(including: { _ in true }), including: { _ in true })
        #expect(answer.wanted == [tags])
        #expect(Set(answer.states.keys) == [hits], "equal keys are not shipped")
        for (key, value) in answer.states { _ = a.merge(value, into: key) }
        for key in answer.wanted { if let value = a[key] { _ = b.merge(value, into: key) } }
        #expect(a.values == b.values)
    }

    @Test func theTallyDecidesAsSoonAsTheOutcomeIsCertain() {
        var quorum = ReplicaTally(owners: [alice, bob, carol], level: .quorum)
        quorum.answer(from: alice)
        #expect(quorum.outcome == .pending)
        quorum.answer(from: bob)
        #expect(quorum.outcome == .succeeded)
        var all = ReplicaTally(owners: [alice, bob, carol], level: .all)
        all.answer(from: alice)
        all.fail(bob, because: "down")
        #expect(all.outcome == .failed)
        #expect(all.failureReason.contains("1 of 3 owners answered, 3 needed"))
        var stranger = ReplicaTally(owners: [alice], level: .one)
        stranger.answer(from: carol)
        #expect(stranger.outcome == .pending, "only owners count")
        #expect(ReplicaTally(owners: [], level: .one).outcome == .failed)
    }
}
