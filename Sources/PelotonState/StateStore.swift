import PelotonCrypto
import PelotonWire

/// One key's summary in an anti-entropy exchange: a hash of its encoded state. Equal states
/// have equal encodings (the wire form is canonical), so equal hashes mean nothing to ship.
public struct DigestEntry: Equatable, Sendable {
    public let key: StateKey
    public let hash: UInt64

    public init(key: StateKey, hash: UInt64) {
        self.key = key
        self.hash = hash
    }
}

/// What a replica answers to a digest: its states the sender lacks or differs on, and the keys
/// it wants the sender's state of in return.
public struct DigestAnswer: Equatable, Sendable {
    public var states: [StateKey: StateValue]
    public var wanted: [StateKey]

    public init(states: [StateKey: StateValue] = [:], wanted: [StateKey] = []) {
        self.states = states
        self.wanted = wanted
    }
}

/// The state a replica holds: one CRDT per key. Writes run here (the owner makes the delta),
/// deltas and whole states from other owners merge here, and anti-entropy compares digests.
public struct StateStore: Sendable {
    public private(set) var values: [StateKey: StateValue] = [:]
    /// Digest hashes, computed when first asked for and forgotten when the key changes:
    /// hashing a big set means encoding it, and anti-entropy asks every interval.
    private var hashes: [StateKey: UInt64] = [:]

    public init(values: [StateKey: StateValue] = [:]) {
        self.values = values.filter { $0.value.kind == $0.key.kind }
    }

    public subscript(key: StateKey) -> StateValue? { values[key] }

    /// Runs `operation` on `key` as `replica`; returns the delta to ship and the new state to
    /// persist. Nothing changes when the operation does not fit the key's kind.
    public mutating func apply(
        _ operation: StateOperation, to key: StateKey, at replica: NodeID, nowMilliseconds: UInt64
    ) throws(StateError) -> (delta: StateValue, state: StateValue) {
        var (value, existed) = take(key)
        let delta: StateValue
        do {
            delta = try value.apply(operation, at: replica, nowMilliseconds: nowMilliseconds)
        } catch {
            if existed { values[key] = value }
            throw error
        }
        values[key] = value
        hashes[key] = nil
        return (delta, value)
    }

    /// Merges a delta or whole state; returns the new state when it changed (to persist), nil
    /// when nothing new arrived or the value is of another kind than the key.
    public mutating func merge(_ incoming: StateValue, into key: StateKey) -> StateValue? {
        guard incoming.kind == key.kind else { return nil }
        var (value, existed) = take(key)
        let changed = value.merge(incoming)
        if changed || existed { values[key] = value }
        guard changed else { return nil }
        hashes[key] = nil
        return value
    }

    /// `key`'s value taken out of the dictionary (the empty value when absent), so while it
    /// changes it holds the only reference to its storage; and whether it was there.
    private mutating func take(_ key: StateKey) -> (value: StateValue, existed: Bool) {
        guard let value = values.removeValue(forKey: key) else { return (.empty(key.kind), false) }
        return (value, true)
    }

    /// One pruning step for every key held here that needs one (see `PruningState`):
    /// `owners` gives a key's owners in this node's view, primary first. Returns the changed
    /// states, to persist and let anti-entropy ship, and what was folded.
    public mutating func advancePruning(
        me: NodeID, removed: Set<NodeID>, forgotten: Set<NodeID> = [], nowMilliseconds: UInt64, markerLifetimeMilliseconds: UInt64,
        owners: (StateKey) -> [NodeID]
    ) -> (changed: [StateKey: StateValue], folded: [(key: StateKey, replica: NodeID)]) {
        var changed: [StateKey: StateValue] = [:]
        var folded: [(key: StateKey, replica: NodeID)] = []
        let due = values.compactMap { $0.value.needsPruning(removed: removed) ? $0.key : nil }.sorted()
        for key in due {
            let view = PruningView(
                me: me, owners: owners(key), removed: removed, forgotten: forgotten, nowMilliseconds: nowMilliseconds,
                markerLifetimeMilliseconds: markerLifetimeMilliseconds)
            var (value, _) = take(key)
            let step = value.advancePruning(in: view)
            values[key] = value
            guard step.changed else { continue }
            hashes[key] = nil
            changed[key] = value
            folded += step.folded.map { (key, $0) }
        }
        return (changed, folded)
    }

    public static func hash(of value: StateValue) -> UInt64 { StableHash.hash(value.wireBytes) }

    /// The digest hash of `key`'s state; nil when the key holds nothing.
    public mutating func hash(of key: StateKey) -> UInt64? {
        if let known = hashes[key] { return known }
        guard let value = values[key] else { return nil }
        let hash = Self.hash(of: value)
        hashes[key] = hash
        return hash
    }

    /// Digests of the keys `include` selects (the keys a peer also owns).
    public mutating func digest(including include: (StateKey) -> Bool) -> [DigestEntry] {
        values.keys.filter(include).sorted().compactMap { key in hash(of: key).map { DigestEntry(key: key, hash: $0) } }
    }

    /// Compares a peer's digest with this store: the states the peer lacks or differs on, among
    /// the keys `include` selects, and the keys whose state the peer should send back.
    public mutating func answer(_ digest: [DigestEntry], including include: (StateKey) -> Bool) -> DigestAnswer {
        var answer = DigestAnswer()
        var mentioned = Set<StateKey>()
        for entry in digest {
            mentioned.insert(entry.key)
            guard let value = values[entry.key] else {
                answer.wanted.append(entry.key)
                continue
            }
            if hash(of: entry.key) != entry.hash {
                answer.states[entry.key] = value
                answer.wanted.append(entry.key)
            }
        }
        for (key, value) in values where !mentioned.contains(key) && include(key) {
            answer.states[key] = value
        }
        return answer
    }
}
