import PelotonCrypto

/// A grow-only counter: each replica counts its own increments, the value is the sum, and a
/// merge keeps each replica's highest count.
public struct GCounter: Equatable, Sendable {
    public internal(set) var counts: [NodeID: UInt64]
    /// Removed replicas being pruned out of this counter; empty but for a while after a removal.
    public internal(set) var pruning: PruningMarkers

    public init(counts: [NodeID: UInt64] = [:], pruning: PruningMarkers = PruningMarkers()) {
        self.counts = counts.filter { $0.value > 0 }
        self.pruning = pruning
    }

    /// Saturates at `UInt64.max` rather than wrapping.
    public var value: UInt64 { counts.values.reduce(UInt64(0)) { $0.addingClamped($1) } }

    /// Adds `amount` to `replica`'s count; the delta is that replica's new count.
    @discardableResult
    public mutating func increment(by amount: UInt64, at replica: NodeID) -> GCounter {
        guard amount > 0 else { return GCounter() }
        let count = counts[replica, default: 0].addingClamped(amount)
        counts[replica] = count
        return GCounter(counts: [replica: count])
    }

    public func merged(with other: GCounter) -> GCounter {
        guard pruning.isEmpty, other.pruning.isEmpty else {
            var merged = self
            let incoming = merged.reconcileMarkers(with: other).incoming
            return GCounter(counts: merged.counts.merging(incoming.counts, uniquingKeysWith: max), pruning: merged.pruning)
        }
        return GCounter(counts: counts.merging(other.counts, uniquingKeysWith: max))
    }
}

/// A counter that goes both ways: a grow-only counter of increments and one of decrements.
public struct PNCounter: Equatable, Sendable {
    public internal(set) var increments: GCounter
    public internal(set) var decrements: GCounter
    /// Removed replicas being pruned out of both halves (whose own markers stay empty).
    public internal(set) var pruning: PruningMarkers

    public init(increments: GCounter = GCounter(), decrements: GCounter = GCounter(), pruning: PruningMarkers = PruningMarkers()) {
        self.increments = increments
        self.decrements = decrements
        self.pruning = pruning
    }

    /// Clamped to `Int64`'s range.
    public var value: Int64 {
        let up = increments.value
        let down = decrements.value
        return up >= down ? Int64(clamping: up - down) : -Int64(clamping: down - up)
    }

    /// Adds `amount` (negative to subtract) as `replica`; returns the delta.
    @discardableResult
    public mutating func add(_ amount: Int64, at replica: NodeID) -> PNCounter {
        if amount >= 0 {
            return PNCounter(increments: increments.increment(by: amount.magnitude, at: replica))
        }
        return PNCounter(decrements: decrements.increment(by: amount.magnitude, at: replica))
    }

    public func merged(with other: PNCounter) -> PNCounter {
        var merged = self
        let incoming = pruning.isEmpty && other.pruning.isEmpty ? other : merged.reconcileMarkers(with: other).incoming
        return PNCounter(
            increments: merged.increments.merged(with: incoming.increments),
            decrements: merged.decrements.merged(with: incoming.decrements),
            pruning: merged.pruning)
    }
}
