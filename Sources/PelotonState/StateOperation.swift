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
        // The payload is moved out of `self` before it changes, so it holds the only reference
        // to its storage and a write into a big set or map updates it in place, not a copy.
        let wrongKind = StateError.wrongKind(operation: operation.name, kind: kind)
        switch self {
        case var .gcounter(counter):
            guard case let .increment(amount) = operation else { throw wrongKind }
            let delta = counter.increment(by: amount, at: replica)
            self = .gcounter(counter)
            return .gcounter(delta)
        case var .counter(counter):
            let amount: Int64
            switch operation {
            case let .add(value): amount = value
            case let .increment(value): amount = Int64(clamping: value)
            default: throw wrongKind
            }
            let delta = counter.add(amount, at: replica)
            self = .counter(counter)
            return .counter(delta)
        case var .register(register):
            guard case let .assign(value) = operation else { throw wrongKind }
            let delta = register.assign(value, at: replica, nowMilliseconds: nowMilliseconds)
            self = .register(register)
            return .register(delta)
        case var .mvregister(register):
            guard case let .assign(value) = operation else { throw wrongKind }
            self = Self.placeholder
            let delta = register.assign(value, at: replica)
            self = .mvregister(register)
            return .mvregister(delta)
        case var .set(set):
            var delta = ORSet()
            switch operation {
            case let .insert(elements):
                self = Self.placeholder
                for element in elements { delta.state.merge(set.add(element, at: replica).state) }
            case let .remove(elements):
                self = Self.placeholder
                for element in elements { delta.state.merge(set.remove(element).state) }
            default:
                throw wrongKind
            }
            self = .set(set)
            return .set(delta)
        case var .flag(flag):
            guard operation == .enable || operation == .disable else { throw wrongKind }
            self = Self.placeholder
            let delta = operation == .enable ? flag.enable(at: replica) : flag.disable()
            self = .flag(flag)
            return .flag(delta)
        case var .map(map):
            let delta: ORMap
            switch operation {
            case let .updateField(name, update):
                self = Self.placeholder
                delta = map.update(name, update, at: replica)
            case let .removeField(field):
                self = Self.placeholder
                delta = map.remove(field)
            default:
                throw wrongKind
            }
            self = .map(map)
            return .map(delta)
        }
    }

    /// Holds `self`'s place while its payload is being changed.
    private static let placeholder = StateValue.gcounter(GCounter())
}
