import PelotonCrypto
import PelotonState

/// What one node holds of the replicated state, without its disk: the CRDT per key and the
/// ids of the writes held (`WriteLedger`), which decide together whether a write runs here. The
/// runtime's `StateReplica` saves each change this returns; the simulator keeps this value as
/// the node's disk.
public struct ReplicaState: Sendable {
    /// What running a write here came to.
    public enum WriteApplication: Equatable, Sendable {
        /// Run now: the delta for the other owners and the new state.
        case applied(delta: StateValue, state: StateValue)
        /// Held here already (run or merged before): not applied again; the key's state.
        case alreadyHeld(state: StateValue?)
    }

    public let me: NodeID
    public private(set) var store: StateStore
    public private(set) var ledger: WriteLedger

    public init(me: NodeID, store: StateStore = StateStore(), ledger: WriteLedger = WriteLedger()) {
        self.me = me
        self.store = store
        self.ledger = ledger
    }

    public subscript(key: StateKey) -> StateValue? { store[key] }

    public func holds(_ write: WriteID) -> Bool { ledger.contains(write) }

    /// Runs write `write` as this owner unless its id is held here; the id is recorded with
    /// the change, so a second attempt of it is never applied.
    public mutating func apply(_ operation: StateOperation, to key: StateKey, write: WriteID, nowMilliseconds: UInt64) throws(StateError) -> WriteApplication {
        guard !ledger.contains(write) else { return .alreadyHeld(state: store[key]) }
        let result = try store.apply(operation, to: key, at: me, nowMilliseconds: nowMilliseconds)
        ledger.record(write, atMilliseconds: nowMilliseconds)
        return .applied(delta: result.delta, state: result.state)
    }

    /// Merges the delta of write `write` that another owner ran and remembers the write as held
    /// here: the key's new state when it changed, and whether the id is new here.
    public mutating func merge(write: WriteID, key: StateKey, delta: StateValue, nowMilliseconds: UInt64) -> (state: StateValue?, isNewWrite: Bool) {
        let isNew = ledger.record(write, atMilliseconds: nowMilliseconds)
        return (store.merge(delta, into: key), isNew)
    }

    /// Merges a state or delta from another owner: the new state when it changed.
    public mutating func merge(_ value: StateValue, into key: StateKey) -> StateValue? {
        store.merge(value, into: key)
    }

    /// Records `id` as held without a change of state (a replayed id from disk).
    public mutating func remember(_ write: WriteID, atMilliseconds: UInt64) {
        ledger.record(write, atMilliseconds: atMilliseconds)
    }

    public mutating func digest(including include: (StateKey) -> Bool) -> [DigestEntry] {
        store.digest(including: include)
    }

    public mutating func answer(_ digest: [DigestEntry], including include: (StateKey) -> Bool) -> DigestAnswer {
        store.answer(digest, including: include)
    }

    /// One pruning step over every key held here (`StateStore.advancePruning`).
    public mutating func advancePruning(
        removed: Set<NodeID>, forgotten: Set<NodeID>, nowMilliseconds: UInt64, markerLifetimeMilliseconds: UInt64, owners: (StateKey) -> [NodeID]
    ) -> (changed: [StateKey: StateValue], folded: [(key: StateKey, replica: NodeID)]) {
        store.advancePruning(
            me: me, removed: removed, forgotten: forgotten, nowMilliseconds: nowMilliseconds, markerLifetimeMilliseconds: markerLifetimeMilliseconds,
            owners: owners)
    }
}
