import PelotonCrypto

/// The kinds of CRDT an OR-Map can hold. A field is named by its name and its kind together
/// (as in Riak's maps), so "views" the counter and "views" the set are two fields, and two
/// replicas can never disagree about what kind a field is.
public enum EmbeddedKind: UInt8, CaseIterable, Comparable, Sendable {
    case counter = 1, register, set, flag

    public var name: String {
        switch self {
        case .counter: "counter"
        case .register: "register"
        case .set: "set"
        case .flag: "flag"
        }
    }

    public init?(name: String) {
        guard let kind = Self.allCases.first(where: { $0.name == name }) else { return nil }
        self = kind
    }

    public static func < (lhs: EmbeddedKind, rhs: EmbeddedKind) -> Bool { lhs.rawValue < rhs.rawValue }
}

public struct MapField: Hashable, Comparable, Sendable {
    public let name: String
    public let kind: EmbeddedKind

    public init(_ name: String, _ kind: EmbeddedKind) {
        self.name = name
        self.kind = kind
    }

    public static func < (lhs: MapField, rhs: MapField) -> Bool { (lhs.name, lhs.kind) < (rhs.name, rhs.kind) }
}

/// One field's payload inside an OR-Map. Every kind is a dot store under the map's one context,
/// which is what makes removing a field and concurrent updates to it merge consistently.
public enum EmbeddedValue: DotStore {
    case absent
    case counter(DotFun<Int64>)
    case register(DotFun<String>)
    case set(DotMap<String, DotSet>)
    case flag(DotSet)

    public static var empty: EmbeddedValue { .absent }

    public static func empty(of kind: EmbeddedKind) -> EmbeddedValue {
        switch kind {
        case .counter: .counter(.empty)
        case .register: .register(.empty)
        case .set: .set(.empty)
        case .flag: .flag(.empty)
        }
    }

    public var kind: EmbeddedKind? {
        switch self {
        case .absent: nil
        case .counter: .counter
        case .register: .register
        case .set: .set
        case .flag: .flag
        }
    }

    public var isEmpty: Bool { dots.isEmpty }

    public var dots: Set<Dot> {
        switch self {
        case .absent: []
        case let .counter(store): store.dots
        case let .register(store): store.dots
        case let .set(store): store.dots
        case let .flag(store): store.dots
        }
    }

    public func hasDot(seenBy context: CausalContext) -> Bool {
        switch self {
        case .absent: false
        case let .counter(store): store.hasDot(seenBy: context)
        case let .register(store): store.hasDot(seenBy: context)
        case let .set(store): store.hasDot(seenBy: context)
        case let .flag(store): store.hasDot(seenBy: context)
        }
    }

    public func mapDots(of replica: NodeID, _ transform: (Dot) -> Dot?) -> EmbeddedValue {
        switch self {
        case .absent: .absent
        case let .counter(store): .counter(store.mapDots(of: replica, transform))
        case let .register(store): .register(store.mapDots(of: replica, transform))
        case let .set(store): .set(store.mapDots(of: replica, transform))
        case let .flag(store): .flag(store.mapDots(of: replica, transform))
        }
    }

    public static func join(_ lhs: EmbeddedValue, _ lhsContext: CausalContext, _ rhs: EmbeddedValue, _ rhsContext: CausalContext) -> EmbeddedValue {
        // Fields are keyed by kind, so both sides have the same kind or one is absent. Should a
        // faulty peer send a mismatch anyway, the higher kind wins on every replica alike.
        guard let kind = [lhs.kind, rhs.kind].compactMap({ $0 }).max() else { return .absent }
        let left = lhs.kind == kind ? lhs : .empty(of: kind)
        let right = rhs.kind == kind ? rhs : .empty(of: kind)
        switch (left, right) {
        case let (.counter(l), .counter(r)): return .counter(.join(l, lhsContext, r, rhsContext))
        case let (.register(l), .register(r)): return .register(.join(l, lhsContext, r, rhsContext))
        case let (.set(l), .set(r)): return .set(.join(l, lhsContext, r, rhsContext))
        case let (.flag(l), .flag(r)): return .flag(.join(l, lhsContext, r, rhsContext))
        default: return .absent
        }
    }
}

/// An update to one field of an OR-Map.
public enum FieldUpdate: Equatable, Sendable {
    case add(Int64)
    case assign(String)
    case insert(String)
    case remove(String)
    case enable
    case disable

    public var kind: EmbeddedKind {
        switch self {
        case .add: .counter
        case .assign: .register
        case .insert, .remove: .set
        case .enable, .disable: .flag
        }
    }
}

/// An observed-remove map of CRDTs: fields are counters, registers (multi-value), sets and
/// flags, all sharing the map's causal context. Removing a field removes what the remover saw;
/// an update made concurrently survives, holding only what the remover had not seen.
public struct ORMap: Equatable, Sendable {
    public var state: Causal<DotMap<MapField, EmbeddedValue>>

    public init(state: Causal<DotMap<MapField, EmbeddedValue>> = Causal()) { self.state = state }

    public var fields: [MapField] { state.store.entries.keys.sorted() }
    public subscript(field: MapField) -> EmbeddedValue? { state.store.entries[field] }

    @discardableResult
    public mutating func update(_ name: String, _ update: FieldUpdate, at replica: NodeID) -> ORMap {
        let field = MapField(name, update.kind)
        let current = state.store.entries[field] ?? .empty(of: field.kind)
        let context = state.context
        let delta: (store: EmbeddedValue, context: CausalContext)
        switch (update, current) {
        case let (.add(amount), .counter(store)):
            let change = DotFun.add(amount, in: store, context: context, by: replica)
            delta = (.counter(change.store), change.context)
        case let (.assign(value), .register(store)):
            let change = DotFun.assign(value, in: store, context: context, by: replica)
            delta = (.register(change.store), change.context)
        case let (.insert(element), .set(store)):
            let change = DotMap.add(element, in: store, context: context, by: replica)
            delta = (.set(change.store), change.context)
        case let (.remove(element), .set(store)):
            let change = DotMap.remove(element, in: store)
            delta = (.set(change.store), change.context)
        case let (.enable, .flag(store)):
            let change = DotSet.enable(in: store, context: context, by: replica)
            delta = (.flag(change.store), change.context)
        case let (.disable, .flag(store)):
            let change = DotSet.disable(in: store)
            delta = (.flag(change.store), change.context)
        default:
            return ORMap()
        }
        let change = Causal(store: DotMap(delta.store.isEmpty ? [:] : [field: delta.store]), context: delta.context)
        state.merge(change)
        return ORMap(state: change)
    }

    /// Removes the field with everything this replica has seen of it.
    @discardableResult
    public mutating func remove(_ field: MapField) -> ORMap {
        let change = Causal<DotMap<MapField, EmbeddedValue>>(
            store: .empty, context: CausalContext(dots: state.store.entries[field]?.dots ?? []))
        state.merge(change)
        return ORMap(state: change)
    }

    public func merged(with other: ORMap) -> ORMap { ORMap(state: state.merged(with: other.state)) }
}
