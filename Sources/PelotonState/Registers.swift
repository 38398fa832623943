import PelotonCrypto

/// A last-writer-wins register: the write with the highest (timestamp, replica) wins. The
/// timestamp is the writer's clock in milliseconds, pushed past the value it replaces so a
/// write always beats what its writer saw, even if its clock is behind.
public struct LWWRegister: Equatable, Sendable {
    public private(set) var value: String?
    public private(set) var timestamp: UInt64
    public private(set) var writer: NodeID?

    public init(value: String? = nil, timestamp: UInt64 = 0, writer: NodeID? = nil) {
        self.value = value
        self.timestamp = timestamp
        self.writer = writer
    }

    @discardableResult
    public mutating func assign(_ newValue: String, at replica: NodeID, nowMilliseconds: UInt64) -> LWWRegister {
        let delta = LWWRegister(value: newValue, timestamp: max(nowMilliseconds, timestamp.addingClamped(1)), writer: replica)
        self = merged(with: delta)
        return delta
    }

    public func merged(with other: LWWRegister) -> LWWRegister {
        // The value breaks the last tie, so even two writes a faulty peer stamped alike merge
        // the same way on every replica.
        func rank(_ register: LWWRegister) -> (UInt64, NodeID, String) {
            (register.timestamp, register.writer ?? NodeID(high: 0, low: 0), register.value ?? "")
        }
        return rank(other) > rank(self) ? other : self
    }
}

/// A multi-value register: a write replaces the values its writer saw; concurrent writes are
/// all kept until a later write replaces them, so no write is lost silently.
public struct MVRegister: Equatable, Sendable {
    public var state: Causal<DotFun<String>>

    public init(state: Causal<DotFun<String>> = Causal()) { self.state = state }

    /// Every value written concurrently, sorted: the order does not depend on which replica
    /// wrote which (a pruned replica's writes change hands).
    public var values: [String] { state.store.entries.values.sorted() }

    @discardableResult
    public mutating func assign(_ value: String, at replica: NodeID) -> MVRegister {
        let delta = DotFun.assign(value, in: state.store, context: state.context, by: replica)
        state.merge(delta)
        return MVRegister(state: delta)
    }

    public func merged(with other: MVRegister) -> MVRegister { MVRegister(state: state.merged(with: other.state)) }
}

/// An enable-wins flag: when an enable and a disable are concurrent, the flag is on.
public struct EnableWinsFlag: Equatable, Sendable {
    public var state: Causal<DotSet>

    public init(state: Causal<DotSet> = Causal()) { self.state = state }

    public var isEnabled: Bool { !state.store.isEmpty }

    @discardableResult
    public mutating func enable(at replica: NodeID) -> EnableWinsFlag {
        let delta = DotSet.enable(in: state.store, context: state.context, by: replica)
        state.merge(delta)
        return EnableWinsFlag(state: delta)
    }

    @discardableResult
    public mutating func disable() -> EnableWinsFlag {
        let delta = DotSet.disable(in: state.store)
        state.merge(delta)
        return EnableWinsFlag(state: delta)
    }

    public func merged(with other: EnableWinsFlag) -> EnableWinsFlag { EnableWinsFlag(state: state.merged(with: other.state)) }
}

/// An add-wins observed-remove set: a remove takes away the adds it saw, so an add concurrent
/// with a remove keeps the element. Removed elements leave no tombstones: their dots live on
/// only in the compact causal context.
public struct ORSet: Equatable, Sendable {
    public var state: Causal<DotMap<String, DotSet>>

    public init(state: Causal<DotMap<String, DotSet>> = Causal()) { self.state = state }

    public var elements: [String] { state.store.entries.keys.sorted() }
    public func contains(_ element: String) -> Bool { state.store.entries[element] != nil }

    @discardableResult
    public mutating func add(_ element: String, at replica: NodeID) -> ORSet {
        let delta = DotMap.add(element, in: state.store, context: state.context, by: replica)
        state.merge(delta)
        return ORSet(state: delta)
    }

    @discardableResult
    public mutating func remove(_ element: String) -> ORSet {
        let delta = DotMap.remove(element, in: state.store)
        state.merge(delta)
        return ORSet(state: delta)
    }

    public func merged(with other: ORSet) -> ORSet { ORSet(state: state.merged(with: other.state)) }
}
