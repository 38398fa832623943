import PelotonCrypto
import PelotonNodeCore
import PelotonPlacement
import PelotonState
import Testing

/// Whom a draining node hands its keys to.
@Suite struct DrainHandoffTests {
    let members = (1...8).map { NodeID(high: UInt64($0), low: UInt64($0)) }

    @Test func onlyMembersThatNowOwnAHeldKeyAreAsked() throws {
        let draining = members[0]
        // The draining node's ring no longer has it.
        let scope = AntiEntropyScope(ring: HashRing(members: Array(members.dropFirst())), replicas: 2)
        var replica = ReplicaState(me: draining)
        let key = try StateKey(kind: .counter, name: "k")
        _ = try replica.apply(.increment(1), to: key, write: WriteID(high: 1, low: 1), nowMilliseconds: 0)
        let recipients = DrainHandoff.recipients(of: replica, in: scope, alive: Array(members.dropFirst()))
        #expect(Set(recipients) == Set(scope.ring.owners(of: key.placementKey, count: 2)))
        #expect(DrainHandoff.recipients(of: ReplicaState(me: draining), in: scope, alive: Array(members.dropFirst())).isEmpty)
    }

    /// Members on the ring that are not alive (suspect ones) own keys too: they must not make
    /// the search stop before every alive owner is found.
    @Test func ownersThatAreNotAliveDoNotHideAliveOnes() throws {
        let draining = members[0]
        let scope = AntiEntropyScope(ring: HashRing(members: Array(members.dropFirst())), replicas: 2)
        let alive = [members[1], members[2]]
        var replica = ReplicaState(me: draining)
        var keys: [StateKey] = []
        for index in 0..<40 {
            let key = try StateKey(kind: .counter, name: "k\(index)")
            keys.append(key)
            _ = try replica.apply(.increment(1), to: key, write: WriteID(high: 2, low: UInt64(index)), nowMilliseconds: 0)
        }
        let expected = alive.filter { member in keys.contains { scope.ring.owners(of: $0.placementKey, count: 2).contains(member) } }
        #expect(!expected.isEmpty)
        #expect(DrainHandoff.recipients(of: replica, in: scope, alive: alive) == expected)
    }
}
