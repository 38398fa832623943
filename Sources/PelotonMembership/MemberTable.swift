import PelotonCrypto

/// Every other member a node knows of, stored densely: one contiguous array of records plus an
/// index from id to position. A mesh of N nodes holds N² of these records in the simulator, so
/// the layout matters (about 100 bytes per member instead of the 300+ of a dictionary of
/// records with a separate insertion-order list). Positions follow insertion order, except that
/// removal moves the last record into the gap; iteration never depends on Swift's per-process
/// hash seed, so a simulation replays identically in another process.
public struct MemberTable: Sendable, RandomAccessCollection {
    private var records: [Member] = []
    private var positions: [NodeID: Int32] = [:]

    public var startIndex: Int { records.startIndex }
    public var endIndex: Int { records.endIndex }
    public subscript(position: Int) -> Member { records[position] }

    public subscript(id: NodeID) -> Member? {
        guard let position = positions[id] else { return nil }
        return records[Int(position)]
    }

    public func contains(_ id: NodeID) -> Bool { positions[id] != nil }

    /// Adds a member that is not in the table yet.
    mutating func insert(_ member: Member) {
        precondition(positions[member.id] == nil, "member inserted twice")
        positions[member.id] = Int32(records.count)
        records.append(member)
    }

    /// Replaces the record of a member already in the table.
    mutating func replace(_ member: Member) {
        guard let position = positions[member.id] else { return }
        records[Int(position)] = member
    }

    mutating func remove(_ id: NodeID) -> Member? {
        guard let position = positions.removeValue(forKey: id).map(Int.init) else { return nil }
        let removed = records[position]
        let last = records.removeLast()
        if position < records.count {
            records[position] = last
            positions[last.id] = Int32(position)
        }
        return removed
    }

    mutating func reserveCapacity(_ count: Int) {
        records.reserveCapacity(count)
        positions.reserveCapacity(count)
    }
}
