import PelotonCrypto
import Testing
@testable import PelotonState

/// What each type promises when writes race, beyond the merge laws.
@Suite struct SemanticsTests {
    let alice = NodeID(high: 1, low: 0)
    let bob = NodeID(high: 2, low: 0)

    @Test func countersSumEveryReplicasWrites() {
        var a = PNCounter()
        var b = PNCounter()
        a.add(5, at: alice)
        b.add(-2, at: bob)
        b.add(10, at: bob)
        #expect(a.merged(with: b).value == 13)
        var g = GCounter()
        g.increment(by: .max, at: alice)
        g.increment(by: 1, at: bob)
        #expect(g.value == .max, "saturates instead of wrapping")
    }

    @Test func aConcurrentAddBeatsARemove() {
        var a = ORSet()
        a.add("x", at: alice)
        var b = a
        b.remove("x")
        a.add("x", at: alice)
        #expect(a.merged(with: b).elements == ["x"])
        #expect(b.merged(with: a).elements == ["x"])
    }

    @Test func aRemoveAfterTheAddItSawWins() {
        var a = ORSet()
        a.add("x", at: alice)
        var b = a
        b.remove("x")
        #expect(a.merged(with: b).elements.isEmpty)
    }

    @Test func removedElementsLeaveNoTombstones() {
        var set = ORSet()
        for round in 0..<10_000 {
            set.add("item-\(round)", at: alice)
            set.remove("item-\(round)")
        }
        #expect(set.elements.isEmpty)
        #expect(set.state.context.versions == [alice: 10_000])
        #expect(set.state.context.cloud.isEmpty)
        #expect(StateValue.set(set).wireBytes.count < 40)
    }

    @Test func anEnableBeatsAConcurrentDisable() {
        var a = EnableWinsFlag()
        a.enable(at: alice)
        var b = a
        b.disable()
        #expect(!b.isEnabled)
        a.enable(at: alice)
        #expect(a.merged(with: b).isEnabled)
    }

    @Test func concurrentRegisterWritesAreAllKeptUntilOverwritten() {
        var a = MVRegister()
        var b = MVRegister()
        a.assign("left", at: alice)
        b.assign("right", at: bob)
        var merged = a.merged(with: b)
        #expect(Set(merged.values) == ["left", "right"])
        merged.assign("both seen", at: alice)
        #expect(merged.merged(with: b).values == ["both seen"])
    }

    @Test func theLastWriterWinsEvenWithASlowClock() {
        var register = LWWRegister()
        register.assign("first", at: bob, nowMilliseconds: 5_000)
        register.assign("second", at: alice, nowMilliseconds: 1_000)
        #expect(register.value == "second", "a write beats what its writer saw")
        let late = LWWRegister(value: "stale", timestamp: 10, writer: bob)
        #expect(register.merged(with: late).value == "second")
    }

    @Test func removingAMapFieldKeepsOnlyConcurrentUpdates() {
        var a = ORMap()
        a.update("visits", .add(3), at: alice)
        var b = a
        b.remove(MapField("visits", .counter))
        a.update("visits", .add(2), at: alice)
        let merged = a.merged(with: b)
        guard case let .counter(store) = merged[MapField("visits", .counter)] else {
            Issue.record("the concurrent update should keep the field")
            return
        }
        // Alice's running total (5) was never seen by the remover, so it survives whole:
        // a causal counter keeps one entry per replica (as Akka's and Riak's maps do).
        #expect(store.total == 5)
        var c = b
        c.update("visits", .add(1), at: bob)
        guard case let .counter(restarted) = c[MapField("visits", .counter)] else {
            Issue.record("an update after the remove recreates the field")
            return
        }
        #expect(restarted.total == 1, "a field updated after its removal starts from nothing")
    }

    @Test func fieldsOfDifferentKindsDoNotCollide() throws {
        var map = ORMap()
        map.update("tags", .insert("red"), at: alice)
        map.update("tags", .assign("label"), at: alice)
        #expect(map.fields == [MapField("tags", .register), MapField("tags", .set)])
    }

    @Test func operationsOfTheWrongKindAreRefused() {
        var value = StateValue.empty(.flag)
        #expect(throws: StateError.wrongKind(operation: "insert", kind: .flag)) {
            try value.apply(.insert(["x"]), at: alice, nowMilliseconds: 0)
        }
        #expect(value == .empty(.flag))
    }
}
