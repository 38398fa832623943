import PelotonCrypto

/// A write to one state key, as a client asks for it.
public enum StateOperation: Equatable, Sendable {
    /// Grow-only counter.
    case increment(UInt64)
    /// Counter; negative to subtract.
    case add(Int64)
    /// Register or multi-value register.
    case assign(String)
    /// Set.
    case insert([String])
    case remove([String])
    /// Flag.
    case enable
    case disable
    /// Map: update one field, or remove it.
    case updateField(String, FieldUpdate)
    case removeField(MapField)

    public var name: String {
        switch self {
        case .increment: "increment"
        case .add: "add"
        case .assign: "assign"
        case .insert: "insert"
        case .remove: "remove"
        case .enable: "enable"
        case .disable: "disable"
        case .updateField: "update"
        case .removeField: "remove-field"
        }
    }
}

public enum StateError: Error, Equatable, Sendable, CustomStringConvertible {
    case wrongKind(operation: String, kind: StateKind)
    case invalidKey(String)
    case invalidValue(String)

    public var description: String {
        switch self {
        case let .wrongKind(operation, kind): "'\(operation)' does not apply to a \(kind.name)"
        case let .invalidKey(reason): "invalid state key: \(reason)"
        case let .invalidValue(reason): "invalid value: \(reason)"
        }
    }
}

extension StateValue {
    /// Applies `operation` as `replica` (the owner running the write) and returns its delta,
    /// which the other owners merge. `nowMilliseconds` is the replica's clock, for registers.
    public mutating func apply(_ operation: StateOperation, at replica: NodeID, nowMilliseconds: UInt64) throws(StateError) -> StateValue {
        let delta: StateValue
        switch (operation, self) {
        case let (.increment(amount), .gcounter(counter)):
            var counter = counter
            delta = .gcounter(counter.increment(by: amount, at: replica))
        case let (.add(amount), .counter(counter)):
            var counter = counter
            delta = .counter(counter.add(amount, at: replica))
        case let (.increment(amount), .counter(counter)):
            var counter = counter
            delta = .counter(counter.add(Int64(clamping: amount), at: replica))
        case let (.assign(value), .register(register)):
            var register = register
            delta = .register(register.assign(value, at: replica, nowMilliseconds: nowMilliseconds))
        case let (.assign(value), .mvregister(register)):
            var register = register
            delta = .mvregister(register.assign(value, at: replica))
        case let (.insert(elements), .set(set)):
            var set = set
            var change = ORSet()
            for element in elements { change = change.merged(with: set.add(element, at: replica)) }
            delta = .set(change)
        case let (.remove(elements), .set(set)):
            var set = set
            var change = ORSet()
            for element in elements { change = change.merged(with: set.remove(element)) }
            delta = .set(change)
        case let (.enable, .flag(flag)):
            var flag = flag
            delta = .flag(flag.enable(at: replica))
        case let (.disable, .flag(flag)):
            var flag = flag
            delta = .flag(flag.disable())
        case let (.updateField(name, update), .map(map)):
            var map = map
            delta = .map(map.update(name, update, at: replica))
        case let (.removeField(field), .map(map)):
            var map = map
            delta = .map(map.remove(field))
        default:
            throw .wrongKind(operation: operation.name, kind: kind)
        }
        self = merged(with: delta)
        return delta
    }
}
