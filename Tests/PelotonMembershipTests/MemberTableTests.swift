import PelotonCore
import PelotonCrypto
@testable import PelotonMembership
import PelotonWire
import Testing

@Suite struct MemberTableTests {
    private func member(_ index: Int, status: MemberStatus = .alive) -> Member {
        var member = Member(metadataClaim: Cluster.alive(index, incarnation: UInt64(index)), address: Cluster.address(index), statusChangedAt: .zero)
        member.status = status
        return member
    }

    @Test func keepsInsertionOrderAndFillsARemovedSlotWithTheLastRecord() {
        var table = MemberTable()
        for index in 1...4 { table.insert(member(index)) }
        #expect(table.map(\.id) == (1...4).map(Cluster.id))
        #expect(table.remove(Cluster.id(2))?.incarnation == 2)
        #expect(table.map(\.id) == [1, 4, 3].map(Cluster.id))
        #expect(table[Cluster.id(4)]?.incarnation == 4)
        #expect(table[Cluster.id(2)] == nil)
        #expect(table.remove(Cluster.id(2)) == nil)
        #expect(table.remove(Cluster.id(3)) != nil)
        #expect(table.map(\.id) == [1, 4].map(Cluster.id))
    }

    @Test func replaceChangesOnlyAKnownMember() {
        var table = MemberTable()
        table.insert(member(1))
        var changed = member(1, status: .suspect)
        changed.incarnation = 9
        table.replace(changed)
        table.replace(member(7))
        #expect(table[Cluster.id(1)]?.status == .suspect)
        #expect(table[Cluster.id(1)]?.incarnation == 9)
        #expect(table.count == 1)
    }

    @Test func leftMembersAreNotCountedAsDeadForReconnect() {
        var membership = Cluster(count: 4).nodes[0]
        var effects: [MembershipEffect] = []
        membership.apply(Cluster.signed(.left(id: Cluster.id(1), incarnation: 0)), at: .zero, into: &effects)
        membership.apply(Cluster.signed(.dead(id: Cluster.id(2), incarnation: 0, from: Cluster.id(3))), at: .zero, into: &effects)
        #expect(membership.leftCount == 1)
        #expect(membership.activeCount == 1)
        // A death notice cannot turn a graceful leave back into a death.
        membership.apply(Cluster.signed(.dead(id: Cluster.id(1), incarnation: 0, from: Cluster.id(3))), at: .zero, into: &effects)
        #expect(membership.leftCount == 1)
    }

    @Test func decodedEmptyMetadataSharesTheEmptyValueAndEqualityIsByValue() throws {
        let decoded = try MemberMetadata(wireBytes: MemberMetadata.empty.wireBytes)
        #expect(decoded == .empty)
        let first = try MemberMetadata(httpAddress: "127.0.0.1:8080", tags: ["zone": "a"])
        let second = try MemberMetadata(wireBytes: first.wireBytes)
        #expect(first == second)
        #expect(first.hashValue == second.hashValue)
        #expect(first != .empty)
    }
}
