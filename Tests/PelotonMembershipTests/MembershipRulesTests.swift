import PelotonCore
import PelotonCrypto
@testable import PelotonMembership
import Testing

@Suite struct MembershipRulesTests {
    let me = Cluster.id(0)
    let other = Cluster.id(1)
    let third = Cluster.id(2)

    private func node(count: Int = 5) -> Membership { Cluster(count: count).nodes[0] }

    private func apply(_ update: MembershipUpdate, to membership: inout Membership) -> [MembershipEvent] {
        var effects: [MembershipEffect] = []
        membership.apply(Cluster.signed(update), at: .zero, into: &effects)
        return effects.events
    }

    @Test func suspectOverridesAliveOfSameIncarnationButNotOlder() {
        var membership = node()
        #expect(apply(.suspect(id: other, incarnation: 0, from: third), to: &membership).map(\.status) == [.suspect])
        #expect(membership.members[other]?.status == .suspect)
        var fresh = node()
        _ = apply(.alive(id: other, incarnation: 3, address: Cluster.address(1), metadata: Cluster.metadata(1)), to: &fresh)
        #expect(apply(.suspect(id: other, incarnation: 2, from: third), to: &fresh).isEmpty)
        #expect(fresh.members[other]?.status == .alive)
    }

    @Test func aliveNeedsAHigherIncarnationToClearSuspicion() {
        var membership = node()
        _ = apply(.suspect(id: other, incarnation: 4, from: third), to: &membership)
        #expect(apply(.alive(id: other, incarnation: 4, address: Cluster.address(1), metadata: Cluster.metadata(1)), to: &membership).isEmpty)
        #expect(membership.members[other]?.status == .suspect)
        #expect(apply(.alive(id: other, incarnation: 5, address: Cluster.address(1), metadata: Cluster.metadata(1)), to: &membership).map(\.status) == [.alive])
        #expect(membership.members[other]?.incarnation == 5)
    }

    @Test func deadIsFinalForItsIncarnation() {
        var membership = node()
        _ = apply(.dead(id: other, incarnation: 2, from: third), to: &membership)
        #expect(membership.members[other]?.status == .dead)
        #expect(apply(.alive(id: other, incarnation: 2, address: Cluster.address(1), metadata: Cluster.metadata(1)), to: &membership).isEmpty)
        #expect(apply(.suspect(id: other, incarnation: 2, from: third), to: &membership).isEmpty)
        // A higher incarnation is the member coming back.
        #expect(apply(.alive(id: other, incarnation: 3, address: Cluster.address(1), metadata: Cluster.metadata(1)), to: &membership).map(\.status) == [.alive])
    }

    @Test func leftOverridesDeadOfTheSameIncarnation() {
        var membership = node()
        _ = apply(.dead(id: other, incarnation: 1, from: third), to: &membership)
        #expect(apply(.left(id: other, incarnation: 1), to: &membership).map(\.status) == [.left])
    }

    @Test func suspicionOfSelfIsRefutedWithAHigherIncarnation() {
        var membership = node()
        _ = apply(.suspect(id: me, incarnation: 0, from: other), to: &membership)
        #expect(membership.incarnation == 1)
        #expect(membership.counters.refutations == 1)
        #expect(membership.localHealth == 1)
        // A refutation only raises the incarnation: peers keep the metadata they have.
        #expect(membership.queue.pending(about: me)?.update == .alive(id: me, incarnation: 1, address: Cluster.address(0), metadata: nil))
        // A stale accusation about an incarnation already refuted changes nothing.
        _ = apply(.dead(id: me, incarnation: 0, from: other), to: &membership)
        #expect(membership.incarnation == 1)
        // A claim that we are alive at a later incarnation (a previous life of ours) is outbid.
        _ = apply(.alive(id: me, incarnation: 7, address: Cluster.address(0), metadata: Cluster.metadata(0)), to: &membership)
        #expect(membership.incarnation == 8)
    }

    @Test func refutingADeathOrAPreviousLifeSendsThisLifesMetadata() throws {
        // Peers may hold what a previous life announced (its services, its draining mark):
        // the refutation that brings this node back must replace it.
        var membership = node()
        let metadata = try MemberMetadata(httpAddress: "127.0.0.1:9090", credential: Cluster.credentials[0])
        membership.updateMetadata(metadata)
        let start = membership.incarnation
        _ = apply(.left(id: me, incarnation: start + 4), to: &membership)
        #expect(membership.incarnation == start + 5)
        #expect(membership.queue.pending(about: me)?.update == .alive(id: me, incarnation: start + 5, address: Cluster.address(0), metadata: metadata))
        _ = apply(.alive(id: me, incarnation: start + 9, address: Cluster.address(0), metadata: try metadata.markedDraining()), to: &membership)
        #expect(membership.queue.pending(about: me)?.update == .alive(id: me, incarnation: start + 10, address: Cluster.address(0), metadata: metadata))
        _ = apply(.dead(id: me, incarnation: start + 10, from: other), to: &membership)
        #expect(membership.queue.pending(about: me)?.update == .alive(id: me, incarnation: start + 11, address: Cluster.address(0), metadata: metadata))
    }

    @Test func aliveWithoutMetadataKeepsAKnownMembersMetadataAndIsIgnoredForStrangers() throws {
        var membership = node()
        let metadata = try MemberMetadata(httpAddress: "127.0.0.1:8080", credential: Cluster.credentials[1])
        _ = apply(.alive(id: other, incarnation: 1, address: Cluster.address(1), metadata: metadata), to: &membership)
        #expect(apply(.alive(id: other, incarnation: 2, address: Cluster.address(1), metadata: nil), to: &membership).map(\.status) == [.alive])
        #expect(membership.members[other]?.incarnation == 2)
        #expect(membership.members[other]?.metadata == metadata)
        let stranger = Cluster.id(40)
        #expect(apply(.alive(id: stranger, incarnation: 3, address: Cluster.address(40), metadata: nil), to: &membership).isEmpty)
        #expect(membership.members[stranger] == nil)
    }

    @Test func leavingNodeDoesNotRefute() {
        var membership = node()
        _ = membership.leave(at: .zero)
        _ = apply(.dead(id: me, incarnation: 0, from: other), to: &membership)
        #expect(membership.incarnation == 0)
        #expect(membership.queue.pending(about: me)?.update == .left(id: me, incarnation: 0))
    }

    @Test func independentConfirmationsShortenTheSuspicionTimeout() {
        var membership = node(count: 10)
        _ = apply(.suspect(id: other, incarnation: 0, from: third), to: &membership)
        let initial = membership.suspicions[other]?.deadline
        _ = apply(.suspect(id: other, incarnation: 0, from: Cluster.id(3)), to: &membership)
        let once = membership.suspicions[other]?.deadline
        _ = apply(.suspect(id: other, incarnation: 0, from: third), to: &membership)  // same accuser again
        #expect(membership.suspicions[other]?.deadline == once)
        _ = apply(.suspect(id: other, incarnation: 0, from: Cluster.id(4)), to: &membership)
        let twice = membership.suspicions[other]?.deadline
        guard let initial, let once, let twice else { Issue.record("no suspicion timer"); return }
        #expect(initial > once && once > twice)
        // With k = suspicionMultiplier - 2 = 2 confirmations the timeout reaches its minimum.
        let minimum = Suspicion.minimumTimeout(multiplier: 4, nodes: 10, probeInterval: .seconds(1))
        #expect(twice - .zero == minimum)
        #expect(initial - .zero == minimum.scaled(by: 6))
    }

    @Test func suspicionExpiresIntoDeath() {
        var membership = node(count: 3)
        _ = apply(.suspect(id: other, incarnation: 0, from: third), to: &membership)
        guard let deadline = membership.suspicions[other]?.deadline else { Issue.record("no timer"); return }
        #expect(membership.nextDeadline <= deadline)
        let effects = membership.tick(at: deadline)
        #expect(effects.events.contains { $0.member == other && $0.status == .dead })
        #expect(membership.members[other]?.status == .dead)
        #expect(membership.suspicions.isEmpty)
    }

    @Test func metadataLimitsAreEnforced() throws {
        _ = try MemberMetadata(httpAddress: "127.0.0.1:8080", services: [.init(name: "echo", version: "1.0")], tags: ["zone": "a"])
        #expect(throws: Error.self) { try MemberMetadata(services: (0..<40).map { .init(name: "s\($0)", version: "1") }) }
        #expect(throws: Error.self) { try MemberMetadata(tags: ["k": String(repeating: "v", count: 200)]) }
        #expect(throws: Error.self) {
            try MemberMetadata(tags: Dictionary(uniqueKeysWithValues: (0..<16).map { ("key-\($0)", String(repeating: "v", count: 60)) }))
        }
    }
}
