import PelotonCore
import PelotonCrypto
import PelotonPlacement
import Testing

@Suite struct HashRingTests {
    static func nodes(_ count: Int, seed: UInt64 = 1) -> [NodeID] {
        var random = SeededRandom(seed: seed)
        return (0..<count).map { _ in NodeID(high: random.next(), low: random.next()) }
    }

    static let keys = (0..<50_000).map { PlacementKey(service: "kv", key: "key-\($0)") }

    @Test func theHashIsFixedAcrossProcessesAndReleases() {
        // Known answers: if these change, every deployed mesh would move every key.
        #expect(StableHash.hash(Array("peloton".utf8)) == Self.expectedPelotonHash)
        #expect(PlacementKey(service: "echo").hash == StableHash.hash(Array("echo".utf8)))
        #expect(PlacementKey(service: "ab", key: "c") != PlacementKey(service: "a", key: "bc"))
    }
    /// SipHash-2-4 of "peloton" under the ring key, read little-endian; the same value comes
    /// from an independent implementation (PyNaCl's `nacl.hash.siphash24`).
    static let expectedPelotonHash: UInt64 = 9_108_349_899_084_935_084

    @Test func theSameMembersInAnyOrderGiveTheSameRing() {
        let members = Self.nodes(20)
        let ring = HashRing(members: members)
        let shuffled = HashRing(members: members.reversed() + members.prefix(3))
        #expect(ring.checksum == shuffled.checksum)
        for key in Self.keys.prefix(2_000) {
            #expect(ring.owners(of: key, count: 3) == shuffled.owners(of: key, count: 3))
        }
        #expect(HashRing(members: members.dropLast()).checksum != ring.checksum)
        #expect(HashRing(members: members, virtualNodes: 64).checksum != ring.checksum)
    }

    @Test func ownersAreDistinctAndAsManyAsThereAreMembers() {
        let ring = HashRing(members: Self.nodes(5))
        for key in Self.keys.prefix(1_000) {
            let owners = ring.owners(of: key, count: 3)
            #expect(owners.count == 3 && Set(owners).count == 3)
            #expect(ring.owners(of: key, count: 9).count == 5)
            // A longer preference list starts with the shorter one.
            #expect(Array(ring.owners(of: key, count: 5).prefix(3)) == owners)
        }
        #expect(HashRing(members: []).owners(of: Self.keys[0], count: 3).isEmpty)
        #expect(ring.owners(of: Self.keys[0], count: 0).isEmpty)
        #expect(HashRing(members: Self.nodes(1)).owners(of: Self.keys[0], count: 2).count == 1)
    }

    @Test func keysSpreadEvenlyOverMembers() {
        let members = Self.nodes(16)
        let ring = HashRing(members: members)
        var counts: [NodeID: Int] = [:]
        for key in Self.keys { counts[ring.owners(of: key, count: 1)[0], default: 0] += 1 }
        let mean = Double(Self.keys.count) / Double(members.count)
        let variance = counts.values.map { (Double($0) - mean) * (Double($0) - mean) }.reduce(0, +) / Double(members.count)
        // 128 points per member: 6–9% in the bench; 15% leaves room for another seed.
        #expect(variance.squareRoot() / mean < 0.15)
        #expect(counts.count == members.count)
        let shares = ring.primaryShares()
        #expect(abs(shares.values.reduce(0, +) - 1) < 1e-9)
    }

    @Test func aJoinMovesAboutItsShareOfKeysAndOnlyToTheNewcomer() {
        let members = Self.nodes(10)
        let newcomer = Self.nodes(1, seed: 99)[0]
        let before = HashRing(members: members)
        let after = HashRing(members: members + [newcomer])
        var moved = 0
        for key in Self.keys {
            let old = before.owners(of: key, count: 1)[0]
            let new = after.owners(of: key, count: 1)[0]
            if old != new {
                moved += 1
                #expect(new == newcomer)
            }
        }
        // Ideal: K/(N+1). Allow the newcomer's share its usual spread.
        let ideal = Double(Self.keys.count) / 11
        #expect(Double(moved) > ideal * 0.7 && Double(moved) < ideal * 1.3)
    }

    @Test func aLeaveMovesOnlyTheLeaversKeys() {
        let members = Self.nodes(10)
        let before = HashRing(members: members)
        let after = HashRing(members: members.dropFirst())
        var moved = 0
        for key in Self.keys {
            let old = before.owners(of: key, count: 2)
            let new = after.owners(of: key, count: 2)
            if old[0] != new[0] {
                moved += 1
                #expect(old[0] == members[0])
                // The second owner takes over: reissue goes where the data already is.
                #expect(new[0] == old[1])
            }
        }
        let ideal = Double(Self.keys.count) / 10
        #expect(Double(moved) > ideal * 0.7 && Double(moved) < ideal * 1.3)
    }
}
