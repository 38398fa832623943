import PelotonCore
import PelotonCrypto
import PelotonWire
import Testing
@testable import PelotonState

/// Pruning a removed replica out of every kind, over seeded random histories: the value each
/// copy shows does not change, no copy names the removed replica once the owners have run the
/// protocol, a stale copy merged afterwards changes nothing, and the markers expire.
@Suite struct PruningTests {
    static let seedsPerKind: UInt64 = 150
    static let primary = RandomHistory.replicas[0]
    static let secondary = RandomHistory.replicas[1]
    /// The third replica of the history writes like the others, then is removed.
    static let removed = RandomHistory.replicas[2]
    static let lifetime: UInt64 = 60_000

    static let prunableKinds = StateKind.allCases.filter { $0 != .register }

    /// Every copy merged into every other: what the owners hold once anti-entropy has run.
    static func converged(_ states: [StateValue]) -> StateValue {
        states.dropFirst().reduce(states[0]) { $0.merged(with: $1) }
    }

    /// The two owners run the protocol, shipping whole states to each other after each step,
    /// until neither changes; returns their copies and the steps taken.
    static func runProtocol(_ copies: [StateValue], now: UInt64, writes: (inout [StateValue], Int) -> Void = { _, _ in }) -> ([StateValue], Int) {
        var copies = copies
        let owners = [primary, secondary]
        for step in 1...20 {
            var changed = false
            for index in copies.indices {
                let view = PruningView(me: owners[index], owners: owners, removed: [removed], nowMilliseconds: now, markerLifetimeMilliseconds: lifetime)
                changed = copies[index].advancePruning(in: view).changed || changed
            }
            writes(&copies, step)
            let shipped = copies
            for index in copies.indices {
                for other in shipped.indices where other != index { changed = copies[index].merge(shipped[other]) || changed }
            }
            if !changed { return (copies, step) }
        }
        return (copies, 20)
    }

    @Test(arguments: prunableKinds)
    func pruningKeepsTheValueAndForgetsTheRemovedReplica(kind: StateKind) throws {
        var pruned = 0
        for seed in 1...Self.seedsPerKind {
            var history = RandomHistory(kind: kind, seed: seed &* 6_151 &+ UInt64(kind.rawValue))
            _ = history.run(steps: 30)
            let stale = history.states[2]
            let before = Self.converged(history.states)
            let (copies, steps) = Self.runProtocol([before, before], now: 1_000)
            #expect(steps < 20, "the protocol settles, \(kind.name) seed \(seed)")
            for copy in copies {
                #expect(copy.json == before.json, "value kept, \(kind.name) seed \(seed)")
                #expect(!copy.replicas.contains(Self.removed), "removed replica forgotten, \(kind.name) seed \(seed)")
                #expect(try StateValue(wireBytes: copy.wireBytes) == copy, "wire form, \(kind.name) seed \(seed)")
            }
            #expect(copies[0] == copies[1], "owners agree, \(kind.name) seed \(seed)")
            if before.replicas.contains(Self.removed) {
                pruned += 1
                #expect(copies[0].pruning[Self.removed]?.isPerformed == true, "\(kind.name) seed \(seed)")
            }

            // A stale copy that still holds the removed replica's entries changes nothing.
            let afterStale = copies[0].merged(with: stale)
            #expect(afterStale.json == before.json, "stale copy absorbed, \(kind.name) seed \(seed)")
            #expect(!afterStale.replicas.contains(Self.removed), "\(kind.name) seed \(seed)")
            #expect(afterStale == stale.merged(with: copies[0]), "commutes with a stale copy, \(kind.name) seed \(seed)")

            // Markers expire once their lifetime is over, and the value stays.
            var expired = afterStale
            let late = PruningView(me: Self.secondary, owners: [Self.primary, Self.secondary], removed: [Self.removed], nowMilliseconds: 1_000 + Self.lifetime, markerLifetimeMilliseconds: Self.lifetime)
            _ = expired.advancePruning(in: late)
            #expect(expired.pruning.isEmpty, "\(kind.name) seed \(seed)")
            #expect(expired.json == before.json, "\(kind.name) seed \(seed)")
        }
        #expect(pruned > Int(Self.seedsPerKind) / 2, "most histories gave the removed replica entries to prune")
    }

    /// Owners keep writing while the protocol runs: each write lands, once.
    @Test(arguments: [StateKind.gcounter, .counter, .map])
    func writesDuringPruningCountOnce(kind: StateKind) throws {
        for seed in 1...Self.seedsPerKind {
            var history = RandomHistory(kind: kind, seed: seed &* 31 &+ 7)
            _ = history.run(steps: 30)
            let before = Self.converged(history.states)
            var added: Int64 = 0
            let (copies, _) = Self.runProtocol([before, before], now: 5_000) { copies, step in
                guard step <= 3 else { return }
                let writer = step % 2
                let owner = [Self.primary, Self.secondary][writer]
                let operation: StateOperation = switch kind {
                case .gcounter: .increment(2)
                case .counter: .add(2)
                default: .updateField("x", .add(2))
                }
                _ = try? copies[writer].apply(operation, at: owner, nowMilliseconds: 5_000)
                added += 2
            }
            let expected: Int64 = switch (kind, before) {
            case let (.gcounter, .gcounter(counter)): Int64(counter.value) + added
            case let (.counter, .counter(counter)): counter.value + added
            case let (.map, .map(map)):
                if case let .counter(store)? = map[MapField("x", .counter)] { store.total + added } else { added }
            default: 0
            }
            for copy in copies {
                let value: Int64 = switch copy {
                case let .gcounter(counter): Int64(counter.value)
                case let .counter(counter): counter.value
                case let .map(map):
                    if case let .counter(store)? = map[MapField("x", .counter)] { store.total } else { 0 }
                default: -1
                }
                #expect(value == expected, "\(kind.name) seed \(seed)")
                #expect(!copy.replicas.contains(Self.removed), "\(kind.name) seed \(seed)")
            }
        }
    }

    /// Copies caught at every stage of the protocol still merge as a CRDT must.
    @Test(arguments: prunableKinds)
    func mergeLawsHoldWithMarkers(kind: StateKind) throws {
        for seed in 1...(Self.seedsPerKind / 3) {
            var history = RandomHistory(kind: kind, seed: seed &* 977 &+ UInt64(kind.rawValue))
            var pool = history.run(steps: 24)
            var copies = [Self.converged(history.states), history.states[1]]
            let owners = [Self.primary, Self.secondary]
            for _ in 0..<4 {
                for index in copies.indices {
                    let view = PruningView(me: owners[index], owners: owners, removed: [Self.removed], nowMilliseconds: 9_000, markerLifetimeMilliseconds: Self.lifetime)
                    _ = copies[index].advancePruning(in: view)
                    pool.append(copies[index])
                }
                copies[1] = copies[1].merged(with: copies[0])
                copies[0] = copies[0].merged(with: copies[1])
            }
            MergeLawTests.expectLaws(over: pool, triples: 12, seed: seed, "with markers, \(kind.name) seed \(seed)")
        }
    }

    @Test func onlyThePrimaryFoldsAndOnlyOnceEveryOwnerHasSeen() {
        var counter = GCounter()
        counter.increment(by: 5, at: Self.removed)
        counter.increment(by: 2, at: Self.primary)
        let owners = [Self.primary, Self.secondary]
        func view(_ me: NodeID) -> PruningView {
            PruningView(me: me, owners: owners, removed: [Self.removed], nowMilliseconds: 100, markerLifetimeMilliseconds: Self.lifetime)
        }
        // The secondary starts nothing.
        var secondary = StateValue.gcounter(counter)
        #expect(secondary.advancePruning(in: view(Self.secondary)).changed == false)
        // The primary marks the key but cannot fold before the secondary has seen the marker.
        var primary = StateValue.gcounter(counter)
        #expect(primary.advancePruning(in: view(Self.primary)) == ([], true))
        #expect(primary.pruning[Self.removed] == .initialized(owner: Self.primary, round: 0, seen: [Self.primary]))
        #expect(primary.advancePruning(in: view(Self.primary)) == ([], false))
        // The secondary merges the marker and says it has seen it; back at the primary, it folds.
        secondary.merge(primary)
        #expect(secondary.advancePruning(in: view(Self.secondary)).changed)
        primary.merge(secondary)
        #expect(primary.advancePruning(in: view(Self.primary)) == ([Self.removed], true))
        guard case let .gcounter(folded) = primary else { return }
        #expect(folded.counts == [Self.primary: 7])
        #expect(primary.pruning[Self.removed] == .performed(untilMilliseconds: 100 + Self.lifetime, renamed: [:]))
    }

    /// A remove of an element the removed replica added, made at another owner after the fold
    /// but before that owner heard of it, is kept: the fold's new dot is the old one renamed.
    @Test func aRemoveMadeWhileTheFoldSpreadsIsKept() throws {
        var original = StateValue.empty(.set)
        _ = try original.apply(.insert(["e", "f"]), at: Self.removed, nowMilliseconds: 1)
        let owners = [Self.primary, Self.secondary]
        func view(_ me: NodeID) -> PruningView {
            PruningView(me: me, owners: owners, removed: [Self.removed], nowMilliseconds: 100, markerLifetimeMilliseconds: Self.lifetime)
        }
        var primary = original
        var secondary = original
        _ = primary.advancePruning(in: view(Self.primary))
        secondary.merge(primary)
        _ = secondary.advancePruning(in: view(Self.secondary))
        primary.merge(secondary)
        #expect(primary.advancePruning(in: view(Self.primary)).folded == [Self.removed])
        // The secondary removes "e" before the folded state reaches it; its delta names the old dot.
        let removal = try secondary.apply(.remove(["e"]), at: Self.secondary, nowMilliseconds: 2)
        var deltaFirst = primary
        deltaFirst.merge(removal)
        let shipped = primary
        secondary.merge(shipped)
        primary.merge(secondary)
        for copy in [primary, secondary, deltaFirst] {
            #expect(copy.json == .strings(["f"]))
            #expect(!copy.replicas.contains(Self.removed))
        }
        #expect(primary == secondary)
    }

    @Test func aRemovedOwnersMarkerIsTakenOverAndADownOnesIsNot() {
        var counter = GCounter()
        counter.increment(by: 5, at: Self.removed)
        let gone = NodeID(high: 9, low: 0)
        var value = StateValue.gcounter(counter).withPruning(PruningMarkers([Self.removed: .initialized(owner: gone, round: 0, seen: [gone])]))
        let owners = [Self.primary, Self.secondary]
        // The marker's owner is only down: wait for it, it may have folded already.
        _ = value.advancePruning(in: PruningView(me: Self.primary, owners: owners, removed: [Self.removed], nowMilliseconds: 1, markerLifetimeMilliseconds: 10))
        #expect(value.pruning[Self.removed] == .initialized(owner: gone, round: 0, seen: [gone, Self.primary]))
        // Removed as well: the primary takes over in the next round, which wins every merge.
        _ = value.advancePruning(in: PruningView(me: Self.primary, owners: owners, removed: [Self.removed, gone], nowMilliseconds: 1, markerLifetimeMilliseconds: 10))
        #expect(value.pruning[Self.removed] == .initialized(owner: Self.primary, round: 1, seen: [Self.primary]))
        let old = StateValue.gcounter(counter).withPruning(PruningMarkers([Self.removed: .initialized(owner: gone, round: 0, seen: [gone, Self.secondary])]))
        #expect(value.merged(with: old).pruning[Self.removed] == .initialized(owner: Self.primary, round: 1, seen: [Self.primary]))
    }

    /// Past the marker lifetime after the removal, every key has folded the replica long ago:
    /// a copy that still holds its entries is a stale one back from a long absence, and folding
    /// it again would count twice, so its entries are dropped.
    @Test func entriesOfAReplicaRemovedLongAgoAreDroppedNotFoldedAgain() {
        var counter = GCounter()
        counter.increment(by: 5, at: Self.removed)
        counter.increment(by: 2, at: Self.primary)
        var stale = StateValue.gcounter(counter)
        let view = PruningView(
            me: Self.primary, owners: [Self.primary], removed: [Self.removed], forgotten: [Self.removed],
            nowMilliseconds: 10, markerLifetimeMilliseconds: 5)
        #expect(stale.advancePruning(in: view) == ([], true))
        #expect(stale == .gcounter(GCounter(counts: [Self.primary: 2])))
        #expect(stale.advancePruning(in: view) == ([], false))
    }

    @Test func aValueHoldingEntriesOfAReplicaItSaysIsPrunedIsRefused() {
        var counter = GCounter()
        counter.increment(by: 5, at: Self.removed)
        let forged = StateValue.gcounter(counter).withPruning(PruningMarkers([Self.removed: .performed(untilMilliseconds: 10, renamed: [:])]))
        #expect(throws: WireError.self) { try StateValue(wireBytes: forged.wireBytes) }
        // A register keeps no markers: the flag on its kind byte is refused.
        var bytes = StateValue.register(LWWRegister()).wireBytes
        bytes[0] |= 0x80
        #expect(throws: WireError.self) { try StateValue(wireBytes: bytes) }
    }

    @Test func aStoreFoldsEveryKeyThatNeedsItAndLeavesTheRest() {
        var store = StateStore()
        let counterKey = try! StateKey(kind: .counter, name: "hits")
        let setKey = try! StateKey(kind: .set, name: "users")
        let untouched = try! StateKey(kind: .set, name: "other")
        _ = try? store.apply(.add(3), to: counterKey, at: Self.removed, nowMilliseconds: 1)
        _ = try? store.apply(.insert(["ann"]), to: setKey, at: Self.removed, nowMilliseconds: 1)
        _ = try? store.apply(.insert(["bob"]), to: untouched, at: Self.primary, nowMilliseconds: 1)
        let first = store.advancePruning(me: Self.primary, removed: [Self.removed], nowMilliseconds: 5, markerLifetimeMilliseconds: 100) { _ in [Self.primary] }
        // The only owner has seen its own marker: it marks and folds in one step.
        #expect(Set(first.changed.keys) == [counterKey, setKey])
        #expect(first.folded.map(\.key) == [counterKey, setKey].sorted())
        #expect(store[setKey]?.json == .strings(["ann"]))
        #expect(store[untouched]?.pruning.isEmpty == true)
        let later = store.advancePruning(me: Self.primary, removed: [Self.removed], nowMilliseconds: 200, markerLifetimeMilliseconds: 100) { _ in [Self.primary] }
        #expect(Set(later.changed.keys) == [counterKey, setKey])
        #expect(store[counterKey]?.pruning.isEmpty == true)
    }
}
