import PelotonCrypto

/// The kinds of value a state key can hold, by the names the API uses.
public enum StateKind: UInt8, CaseIterable, Sendable {
    case gcounter = 1, counter, register, mvregister, set, flag, map

    public var name: String {
        switch self {
        case .gcounter: "gcounter"
        case .counter: "counter"
        case .register: "register"
        case .mvregister: "mvregister"
        case .set: "set"
        case .flag: "flag"
        case .map: "map"
        }
    }

    public init?(name: String) {
        guard let kind = Self.allCases.first(where: { $0.name == name }) else { return nil }
        self = kind
    }
}

/// The value under one state key: one CRDT of one kind. Whole states and deltas have the same
/// shape, and merging either is commutative, associative and idempotent.
public enum StateValue: Equatable, Sendable {
    case gcounter(GCounter)
    case counter(PNCounter)
    case register(LWWRegister)
    case mvregister(MVRegister)
    case set(ORSet)
    case flag(EnableWinsFlag)
    case map(ORMap)

    public static func empty(_ kind: StateKind) -> StateValue {
        switch kind {
        case .gcounter: .gcounter(GCounter())
        case .counter: .counter(PNCounter())
        case .register: .register(LWWRegister())
        case .mvregister: .mvregister(MVRegister())
        case .set: .set(ORSet())
        case .flag: .flag(EnableWinsFlag())
        case .map: .map(ORMap())
        }
    }

    public var kind: StateKind {
        switch self {
        case .gcounter: .gcounter
        case .counter: .counter
        case .register: .register
        case .mvregister: .mvregister
        case .set: .set
        case .flag: .flag
        case .map: .map
        }
    }

    /// Merges `other` in place, without copying a big state; returns whether anything changed.
    /// A value of another kind changes nothing.
    @discardableResult
    public mutating func merge(_ other: StateValue) -> Bool {
        switch other {
        case let .mvregister(incoming):
            guard var register = take(\.mvregister) else { return false }
            defer { self = .mvregister(register) }
            return register.state.merge(incoming.state)
        case let .set(incoming):
            guard var set = take(\.set) else { return false }
            defer { self = .set(set) }
            return set.state.merge(incoming.state)
        case let .flag(incoming):
            guard var flag = take(\.flag) else { return false }
            defer { self = .flag(flag) }
            return flag.state.merge(incoming.state)
        case let .map(incoming):
            guard var map = take(\.map) else { return false }
            defer { self = .map(map) }
            return map.state.merge(incoming.state)
        default:
            // Counters and registers are small: merge by value.
            let merged = merged(with: other)
            guard merged != self else { return false }
            self = merged
            return true
        }
    }

    /// Moves the payload out when `self` is of that kind, leaving a placeholder: the payload
    /// is then the only reference to its storage, and changes to it happen in place.
    mutating func take<Payload>(_ payload: (StateValue) -> Payload?) -> Payload? {
        guard let taken = payload(self) else { return nil }
        self = .gcounter(GCounter())
        return taken
    }

    var mvregister: MVRegister? { if case let .mvregister(value) = self { value } else { nil } }
    var set: ORSet? { if case let .set(value) = self { value } else { nil } }
    var flag: EnableWinsFlag? { if case let .flag(value) = self { value } else { nil } }
    var map: ORMap? { if case let .map(value) = self { value } else { nil } }

    /// The join of two values of one kind. Values of different kinds do not merge; the key
    /// keeps its kind (`StateStore` refuses writes of another kind before they get here).
    public func merged(with other: StateValue) -> StateValue {
        switch (self, other) {
        case let (.gcounter(a), .gcounter(b)): .gcounter(a.merged(with: b))
        case let (.counter(a), .counter(b)): .counter(a.merged(with: b))
        case let (.register(a), .register(b)): .register(a.merged(with: b))
        case let (.mvregister(a), .mvregister(b)): .mvregister(a.merged(with: b))
        case let (.set(a), .set(b)): .set(a.merged(with: b))
        case let (.flag(a), .flag(b)): .flag(a.merged(with: b))
        case let (.map(a), .map(b)): .map(a.merged(with: b))
        default: self
        }
    }
}
