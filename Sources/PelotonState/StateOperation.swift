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
        // Big payloads are moved out of `self` (`take`) before they change, so each holds the
        // only reference to its storage and a write into a big set or map updates it in place.
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
        case .mvregister:
            guard case let .assign(value) = operation, var register = take(\.mvregister) else { throw wrongKind }
            defer { self = .mvregister(register) }
            return .mvregister(register.assign(value, at: replica))
        case .set:
            let (elements, adding): ([String], Bool)
            switch operation {
            case let .insert(named): (elements, adding) = (named, true)
            case let .remove(named): (elements, adding) = (named, false)
            default: throw wrongKind
            }
            guard var set = take(\.set) else { throw wrongKind }
            defer { self = .set(set) }
            var delta = ORSet()
            for element in elements { delta.state.merge((adding ? set.add(element, at: replica) : set.remove(element)).state) }
            return .set(delta)
        case .flag:
            guard operation == .enable || operation == .disable, var flag = take(\.flag) else { throw wrongKind }
            defer { self = .flag(flag) }
            return .flag(operation == .enable ? flag.enable(at: replica) : flag.disable())
        case .map:
            switch operation {
            case let .updateField(name, update):
                guard var map = take(\.map) else { throw wrongKind }
                defer { self = .map(map) }
                return .map(map.update(name, update, at: replica))
            case let .removeField(field):
                guard var map = take(\.map) else { throw wrongKind }
                defer { self = .map(map) }
                return .map(map.remove(field))
            default:
                throw wrongKind
            }
        }
    }
}
