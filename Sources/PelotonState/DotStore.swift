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
}

/// A set of dots: the payload of an enable-wins flag and of one element of an OR-Set.
public struct DotSet: DotStore {
    public var members: Set<Dot>

    public init(_ members: Set<Dot> = []) { self.members = members }

    public static var empty: DotSet { DotSet() }
    public var isEmpty: Bool { members.isEmpty }
    public var dots: Set<Dot> { members }
    public func hasDot(seenBy context: CausalContext) -> Bool { members.contains(where: context.contains) }

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

    /// Visits only what can change: the keys of the smaller side, and keys of the larger side
    /// whose dots the smaller side's context has seen. Merging a one-element delta into a set
    /// of 10,000 then costs a scan of cheap lookups, not 10,000 rebuilt entries.
    public static func join(_ lhs: DotMap, _ lhsContext: CausalContext, _ rhs: DotMap, _ rhsContext: CausalContext) -> DotMap {
        let (large, largeContext, small, smallContext) = lhs.entries.count >= rhs.entries.count
            ? (lhs, lhsContext, rhs, rhsContext) : (rhs, rhsContext, lhs, lhsContext)
        var joined = large.entries
        func settle(_ key: Key, _ value: Value) {
            if value.isEmpty { joined[key] = nil } else { joined[key] = value }
        }
        for (key, value) in small.entries {
            settle(key, Value.join(large.entries[key] ?? .empty, largeContext, value, smallContext))
        }
        if !smallContext.isEmpty {
            for (key, value) in large.entries where small.entries[key] == nil && value.hasDot(seenBy: smallContext) {
                settle(key, Value.join(value, largeContext, .empty, smallContext))
            }
        }
        return DotMap(joined)
    }
}

/// A dot store with the context of everything its replica has seen: a complete causal CRDT,
/// and also the shape of its deltas.
public struct Causal<Store: DotStore>: Equatable, Sendable {
    public var store: Store
    public var context: CausalContext

    public init(store: Store = .empty, context: CausalContext = CausalContext()) {
        self.store = store
        self.context = context
    }

    public var isEmpty: Bool { store.isEmpty && context.isEmpty }

    public func merged(with other: Causal) -> Causal {
        Causal(store: Store.join(store, context, other.store, other.context), context: context.union(other.context))
    }

    public mutating func merge(_ other: Causal) {
        self = merged(with: other)
    }
}
