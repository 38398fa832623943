import PelotonCrypto

/// A consistent-hash ring: each member stands at `virtualNodes` points on a 64-bit circle, and
/// a key belongs to the members at the first points clockwise from the key's hash.
///
/// Pure and deterministic: the points come from `StableHash` over the member's id, so every
/// node that holds the same members builds the same ring, whatever order it learned them in.
/// `checksum` summarises the membership the ring was built from; two nodes whose checksums
/// differ disagree on placement, which operators can see at a glance.
public struct HashRing: Sendable {
    /// Chosen by measurement (`Tools/bench placement`, 200,000 keys): at 128 points per member
    /// the keys per member vary by 6–9% (standard deviation over the mean, 16 and 100 members)
    /// and a ring of 1,000 members builds in about 28 ms; 64 points give 12–13%, and 256 give
    /// 6–8% for twice the build time.
    public static let defaultVirtualNodes = 128
    public static let maxVirtualNodes = 4096

    public let virtualNodes: Int
    /// The members, ascending by id.
    public let members: [NodeID]
    public let checksum: UInt64
    /// Point positions, ascending, and the member (index into `members`) standing at each.
    private let points: [UInt64]
    private let pointOwners: [Int32]

    public init(members: some Sequence<NodeID>, virtualNodes: Int = Self.defaultVirtualNodes) {
        precondition((1...Self.maxVirtualNodes).contains(virtualNodes), "virtual nodes must be 1...\(Self.maxVirtualNodes)")
        let sortedMembers = Array(Set(members)).sorted()
        var placed: [(point: UInt64, owner: Int32)] = []
        placed.reserveCapacity(sortedMembers.count * virtualNodes)
        var input = [UInt8](repeating: 0, count: NodeID.byteCount + 4)
        for (index, member) in sortedMembers.enumerated() {
            input.replaceSubrange(0..<NodeID.byteCount, with: member.bytes)
            for virtualNode in 0..<virtualNodes {
                input.replaceSubrange(NodeID.byteCount..., with: bigEndianBytes(UInt32(virtualNode)))
                placed.append((StableHash.hash(input), Int32(index)))
            }
        }
        // Equal points (a 64-bit collision) are ordered by member, so the tie breaks alike everywhere.
        placed.sort { ($0.point, $0.owner) < ($1.point, $1.owner) }
        self.virtualNodes = virtualNodes
        self.members = sortedMembers
        points = placed.map(\.point)
        pointOwners = placed.map(\.owner)
        var summary = bigEndianBytes(UInt32(virtualNodes))
        for member in sortedMembers { summary += member.bytes }
        checksum = StableHash.hash(summary)
    }

    public var isEmpty: Bool { members.isEmpty }

    /// The preference list of `key`: up to `count` distinct members, clockwise from the key's
    /// hash. The first is the primary owner; the rest take over, in order, when it fails.
    public func owners(of key: PlacementKey, count: Int) -> [NodeID] {
        let wanted = min(max(count, 0), members.count)
        guard wanted > 0 else { return [] }
        var chosen: [Int32] = []
        chosen.reserveCapacity(wanted)
        var position = firstPoint(atOrAfter: key.hash)
        // Every member appears within one turn of the ring, so one turn always finds `wanted`.
        for _ in 0..<points.count {
            let owner = pointOwners[position]
            if !chosen.contains(owner) {
                chosen.append(owner)
                if chosen.count == wanted { break }
            }
            position = position + 1 == points.count ? 0 : position + 1
        }
        return chosen.map { members[Int($0)] }
    }

    /// The share of the circle each member owns as primary, for the dashboard and the bench.
    public func primaryShares() -> [NodeID: Double] {
        guard !points.isEmpty else { return [:] }
        var arcs = [Double](repeating: 0, count: members.count)
        for index in points.indices {
            // The arc ending at a point belongs to that point's member.
            let previous = index == 0 ? points[points.count - 1] : points[index - 1]
            arcs[Int(pointOwners[index])] += Double(points[index] &- previous) / 0x1p64
        }
        if members.count == 1 { arcs[0] = 1 }
        return Dictionary(uniqueKeysWithValues: zip(members, arcs))
    }

    /// Binary search for the first point at or after `hash`, wrapping to the start.
    private func firstPoint(atOrAfter hash: UInt64) -> Int {
        var low = 0
        var high = points.count
        while low < high {
            let middle = (low + high) / 2
            if points[middle] < hash { low = middle + 1 } else { high = middle }
        }
        return low == points.count ? 0 : low
    }
}

/// Where a request lands on the ring: a service by its name, or a keyed request by the pair,
/// so one service can be spread over the mesh key by key.
public struct PlacementKey: Hashable, Sendable {
    public let hash: UInt64

    public init(service: String, key: String? = nil) {
        // A zero byte separates the parts: ("ab", "c") and ("a", "bc") must land apart.
        var bytes = Array(service.utf8)
        if let key {
            bytes.append(0)
            bytes += key.utf8
        }
        hash = StableHash.hash(bytes)
    }

    public init(hash: UInt64) { self.hash = hash }
}

func bigEndianBytes(_ value: UInt32) -> [UInt8] {
    [UInt8(truncatingIfNeeded: value >> 24), UInt8(truncatingIfNeeded: value >> 16), UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value)]
}
