import PelotonCrypto

/// The payload of a causal CRDT: the dots it holds, joined with another's under both sides'
/// causal contexts (Almeida, Shoker, Baquero, "Delta State Replicated Data Types", 2018).
///
/// A dot present on one side only survives the join unless the other side's context has seen
/// it, which is how a remove (the dot left the store but stays in the context) wins over a
/// stale copy and loses to a concurrent add (a new dot the remover never saw).
public protocol DotStore: Equatable, Sendable {
    static var empty: Self { get }
    var isEmpty: Bool { get }
    /// Every dot in the store, for building the context of a remove.
    var dots: Set<Dot> { get }
    /// Whether `context` has seen any of the store's dots: if not, a join with an empty store
    /// under that context leaves this store as it is.
    func hasDot(seenBy context: CausalContext) -> Bool
    static func join(_ lhs: Self, _ lhsContext: CausalContext, _ rhs: Self, _ rhsContext: CausalContext) -> Self
    /// The join, written into `lhs`: a store that can update itself in place (a big map)
    /// avoids copying what does not change. Returns whether `lhs` changed.
    @discardableResult
    static func merge(into lhs: inout Self, _ lhsContext: CausalContext, _ rhs: Self, _ rhsContext: CausalContext) -> Bool
    /// The store with each dot of `replica` replaced by `transform`'s dot, or dropped where it
    /// gives nil: how a pruned replica's writes are moved to another or forgotten.
    func mapDots(of replica: NodeID, _ transform: (Dot) -> Dot?) -> Self
}

extension DotStore {
    @discardableResult
    public static func merge(into lhs: inout Self, _ lhsContext: CausalContext, _ rhs: Self, _ rhsContext: CausalContext) -> Bool {
        let joined = join(lhs, lhsContext, rhs, rhsContext)
        guard joined != lhs else { return false }
        lhs = joined
        return true
    }
}

/// A set of dots: the payload of an enable-wins flag and of one element of an OR-Set.
public struct DotSet: DotStore {
    public var members: Set<Dot>

    public init(_ members: Set<Dot> = []) { self.members = members }

    public static var empty: DotSet { DotSet() }
    public var isEmpty: Bool { members.isEmpty }
    public var dots: Set<Dot> { members }
    public func hasDot(seenBy context: CausalContext) -> Bool { members.contains(where: context.contains) }

    public func mapDots(of replica: NodeID, _ transform: (Dot) -> Dot?) -> DotSet {
        guard members.contains(where: { $0.replica == replica }) else { return self }
        return DotSet(Set(members.compactMap { $0.replica == replica ? transform($0) : $0 }))
    }

    public static func join(_ lhs: DotSet, _ lhsContext: CausalContext, _ rhs: DotSet, _ rhsContext: CausalContext) -> DotSet {
        var joined = lhs.members.intersection(rhs.members)
        for dot in lhs.members where !rhsContext.contains(dot) { joined.insert(dot) }
        for dot in rhs.members where !lhsContext.contains(dot) { joined.insert(dot) }
        return DotSet(joined)
    }
}

/// Values, each written under its own dot: the payload of a multi-value register and of a
/// causal counter. Concurrent writes leave several entries; a later write replaces those it saw.
public struct DotFun<Value: Comparable & Sendable>: DotStore {
    public var entries: [Dot: Value]

    public init(_ entries: [Dot: Value] = [:]) { self.entries = entries }

    public static var empty: DotFun { DotFun() }
    public var isEmpty: Bool { entries.isEmpty }
    public var dots: Set<Dot> { Set(entries.keys) }
    public func hasDot(seenBy context: CausalContext) -> Bool { entries.keys.contains(where: context.contains) }

    public func mapDots(of replica: NodeID, _ transform: (Dot) -> Dot?) -> DotFun {
        guard entries.keys.contains(where: { $0.replica == replica }) else { return self }
        var mapped: [Dot: Value] = [:]
        for (dot, value) in entries {
            guard let kept = dot.replica == replica ? transform(dot) : dot else { continue }
            mapped[kept] = value
        }
        return DotFun(mapped)
    }

    public static func join(_ lhs: DotFun, _ lhsContext: CausalContext, _ rhs: DotFun, _ rhsContext: CausalContext) -> DotFun {
        var joined: [Dot: Value] = [:]
        for (dot, value) in lhs.entries {
            if let other = rhs.entries[dot] {
                // One dot names one write, so both sides hold the same value; the max keeps the
                // join deterministic even if a faulty peer sent something else.
                joined[dot] = max(value, other)
            } else if !rhsContext.contains(dot) {
                joined[dot] = value
            }
        }
        for (dot, value) in rhs.entries where lhs.entries[dot] == nil && !lhsContext.contains(dot) {
            joined[dot] = value
        }
        return DotFun(joined)
    }
}

/// Keys, each with a dot store of its own, all under one context: the payload of an OR-Set
/// (element → dots) and of an OR-Map (field → embedded CRDT). A key whose store is empty is gone.
public struct DotMap<Key: Hashable & Sendable, Value: DotStore>: DotStore {
    public var entries: [Key: Value]

    public init(_ entries: [Key: Value] = [:]) { self.entries = entries }

    public static var empty: DotMap { DotMap() }
    public var isEmpty: Bool { entries.isEmpty }
    public var dots: Set<Dot> { entries.values.reduce(into: Set<Dot>()) { $0.formUnion($1.dots) } }
    public func hasDot(seenBy context: CausalContext) -> Bool { entries.values.contains { $0.hasDot(seenBy: context) } }

    /// A key left without dots is gone, as after a join.
    public func mapDots(of replica: NodeID, _ transform: (Dot) -> Dot?) -> DotMap {
        var mapped = self
        for (key, value) in entries {
            let changed = value.mapDots(of: replica, transform)
            if changed != value { mapped.entries[key] = changed.isEmpty ? nil : changed }
        }
        return mapped
    }

    public static func join(_ lhs: DotMap, _ lhsContext: CausalContext, _ rhs: DotMap, _ rhsContext: CausalContext) -> DotMap {
        var joined = lhs
        merge(into: &joined, lhsContext, rhs, rhsContext)
        return joined
    }

    /// Visits only what can change: the keys of the smaller side, and keys of the larger side
    /// whose dots the smaller side's context has seen; and when the smaller side is a delta
    /// whose context names only dots of its own keys, not even those. Merging a one-element
    /// add into a set of 10,000 then touches one entry.
    @discardableResult
    public static func merge(into lhs: inout DotMap, _ lhsContext: CausalContext, _ rhs: DotMap, _ rhsContext: CausalContext) -> Bool {
        guard lhs.entries.count >= rhs.entries.count else {
            var joined = rhs
            merge(into: &joined, rhsContext, lhs, lhsContext)
            guard joined != lhs else { return false }
            lhs = joined
            return true
        }
        var changed = false
        func settle(_ key: Key, _ current: Value?, _ joined: Value) {
            let new = joined.isEmpty ? nil : joined
            guard new != current else { return }
            lhs.entries[key] = new
            changed = true
        }
        var named: Set<Dot> = []
        for (key, value) in rhs.entries {
            let current = lhs.entries[key]
            named.formUnion(current?.dots ?? [])
            settle(key, current, Value.join(current ?? .empty, lhsContext, value, rhsContext))
        }
        guard !rhsContext.isEmpty, !seenOnlyWithin(named, rhsContext, lhsContext) else { return changed }
        for (key, value) in lhs.entries where rhs.entries[key] == nil && value.hasDot(seenBy: rhsContext) {
            settle(key, value, Value.join(value, lhsContext, .empty, rhsContext))
        }
        return changed
    }

    /// Whether every dot of a small `context` that `otherContext` has seen is among `named`
    /// (the dots of the keys already joined): then no other key can lose a dot. Each dot names
    /// one write of one key, so a dot outside `named` that the other side holds would be in a
    /// key not yet visited. A large context is not enumerated; the caller scans instead.
    private static func seenOnlyWithin(_ named: Set<Dot>, _ context: CausalContext, _ otherContext: CausalContext) -> Bool {
        guard let dots = context.enumerated(limit: 64) else { return false }
        return dots.allSatisfy { !otherContext.contains($0) || named.contains($0) }
    }
}

/// A dot store with the context of everything its replica has seen: a complete causal CRDT,
/// and also the shape of its deltas.
public struct Causal<Store: DotStore>: Equatable, Sendable {
    public var store: Store
    public var context: CausalContext
    /// Removed replicas being pruned out of this value; empty but for a while after a removal.
    public var pruning: PruningMarkers

    public init(store: Store = .empty, context: CausalContext = CausalContext(), pruning: PruningMarkers = PruningMarkers()) {
        self.store = store
        self.context = context
        self.pruning = pruning
    }

    public var isEmpty: Bool { store.isEmpty && context.isEmpty && pruning.isEmpty }

    public func merged(with other: Causal) -> Causal {
        guard pruning.isEmpty, other.pruning.isEmpty else {
            var merged = self
            merged.merge(other)
            return merged
        }
        return Causal(store: Store.join(store, context, other.store, other.context), context: context.union(other.context))
    }

    /// Merges `other` in place; returns whether anything changed.
    @discardableResult
    public mutating func merge(_ other: Causal) -> Bool {
        var incoming = other
        var markersChanged = false
        if !pruning.isEmpty || !other.pruning.isEmpty {
            (incoming, markersChanged) = reconcileMarkers(with: other)
        }
        let storeChanged = Store.merge(into: &store, context, incoming.store, incoming.context)
        let before = context
        context.formUnion(incoming.context)
        return markersChanged || storeChanged || context != before
    }
}
