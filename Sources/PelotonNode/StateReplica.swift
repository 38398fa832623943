import Foundation
import PelotonCrypto
import PelotonNodeCore
import PelotonState

/// The state this node holds, in memory and (with a data directory) on disk. Every change is
/// saved before the call that made it returns, so "done" means durable here. Watchers of a key
/// hear each new state of it.
actor StateReplica {
    /// What is held, and which writes: the decisions, without the disk.
    private var held: ReplicaState
    /// Grows with every change of a key: the database keeps the highest, so saves that finish
    /// out of order never put an older state back.
    private var versions: [StateKey: Int64]
    private let database: StateDatabase?
    private var watchers: [StateKey: [UUID: AsyncStream<StateValue>.Continuation]] = [:]

    init(id: NodeID, database: StateDatabase?) throws {
        self.database = database
        let saved = try database?.loadAll() ?? [:]
        held = ReplicaState(me: id, store: StateStore(values: saved.mapValues(\.value)))
        versions = saved.mapValues(\.version)
        let now = MeshNode.wallClockMilliseconds()
        for write in try database?.loadWrites(sinceMilliseconds: held.ledger.cutoff(nowMilliseconds: now)) ?? [] {
            held.remember(write.id, atMilliseconds: write.atMilliseconds)
        }
    }

    var keyCount: Int { held.store.values.count }

    subscript(key: StateKey) -> StateValue? { held[key] }

    /// The first `limit` keys held here that `include` accepts, in key order, with their
    /// states, and how many it accepts in all: what the dashboard lists.
    func preview(limit: Int, including include: (StateKey) -> Bool) -> (keys: [(key: StateKey, value: StateValue)], matching: Int) {
        let matching = held.store.values.keys.filter(include)
        return (matching.sorted().prefix(limit).compactMap { key in held[key].map { (key, $0) } }, matching.count)
    }

    /// Runs write `write` as this owner unless it is held here already; returns once the new
    /// state (and the write's id with it) is saved. The id is recorded before the save
    /// suspends, so a second attempt arriving meanwhile is not applied either.
    func apply(_ operation: StateOperation, to key: StateKey, write: WriteID, nowMilliseconds: UInt64) async throws -> ReplicaState.WriteApplication {
        let application = try held.apply(operation, to: key, write: write, nowMilliseconds: nowMilliseconds)
        if case let .applied(_, state) = application { try await changed(key, to: state, write: write, at: nowMilliseconds) }
        return application
    }

    /// Merges the delta of write `write` that another owner ran, and remembers the write as
    /// held here; returns once saved.
    func merge(write: WriteID, key: StateKey, delta: StateValue, nowMilliseconds: UInt64) async throws {
        let (merged, isNew) = held.merge(write: write, key: key, delta: delta, nowMilliseconds: nowMilliseconds)
        guard let merged else {
            // Nothing new in the state; the id alone still needs saving.
            if isNew, let database { try await database.save(key, version: versions[key, default: 0], value: held[key] ?? delta, writes: [(write, nowMilliseconds)]) }
            return
        }
        try await changed(key, to: merged, write: isNew ? write : nil, at: nowMilliseconds)
    }

    /// Whether write `write` is held here.
    func holds(_ write: WriteID) -> Bool { held.holds(write) }

    /// Merges states or deltas from other owners; returns once every change is saved.
    func merge(_ states: [StateKey: StateValue]) async throws {
        var saves: [(StateKey, StateValue)] = []
        for (key, value) in states {
            if let merged = held.merge(value, into: key) { saves.append((key, merged)) }
        }
        try await save(saves)
    }

    /// One pruning step over every key held here (see `StateStore.advancePruning`); returns
    /// what was folded, once every change is saved.
    func advancePruning(
        removed: Set<NodeID>, forgotten: Set<NodeID>, nowMilliseconds: UInt64, markerLifetimeMilliseconds: UInt64,
        owners: (StateKey) -> [NodeID]
    ) async throws -> [(key: StateKey, replica: NodeID)] {
        let step = held.advancePruning(
            removed: removed, forgotten: forgotten, nowMilliseconds: nowMilliseconds, markerLifetimeMilliseconds: markerLifetimeMilliseconds, owners: owners)
        try await save(step.changed.map { ($0.key, $0.value) })
        return step.folded
    }

    private func save(_ changes: [(StateKey, StateValue)]) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (key, value) in changes {
                let (version, database) = recordChange(of: key, to: value)
                if let database { group.addTask { try await database.save(key, version: version, value: value) } }
            }
            try await group.waitForAll()
        }
    }

    /// The digest of what is held here that `peer` owns.
    func digest(in scope: AntiEntropyScope, for peer: NodeID) -> [DigestEntry] {
        scope.digest(of: &held, for: peer)
    }

    /// Whom a draining node hands its keys to (`DrainHandoff`).
    func handoffRecipients(in scope: AntiEntropyScope, alive: [NodeID]) -> [NodeID] {
        DrainHandoff.recipients(of: held, in: scope, alive: alive)
    }

    /// The answer to `sender`'s digest.
    func answer(_ digest: [DigestEntry], from sender: NodeID, in scope: AntiEntropyScope) -> DigestAnswer {
        scope.answer(digest, from: sender, by: &held)
    }

    func states(of keys: [StateKey]) -> [StateKey: StateValue] {
        var states: [StateKey: StateValue] = [:]
        for key in keys { states[key] = held[key] }
        return states
    }

    /// Every later state of `key` this node holds, until the stream is dropped.
    func watch(_ key: StateKey) -> AsyncStream<StateValue> {
        let (stream, continuation) = AsyncStream.makeStream(of: StateValue.self, bufferingPolicy: .bufferingNewest(16))
        let token = UUID()
        watchers[key, default: [:]][token] = continuation
        continuation.onTermination = { _ in Task { await self.unwatch(key, token) } }
        return stream
    }

    /// Ends every watch: the node is stopping.
    func closeWatches() {
        let open = watchers.values.flatMap(\.values)
        watchers.removeAll()
        for watcher in open { watcher.finish() }
    }

    private func unwatch(_ key: StateKey, _ token: UUID) {
        watchers[key]?[token] = nil
        if watchers[key]?.isEmpty == true { watchers[key] = nil }
    }

    private func changed(_ key: StateKey, to value: StateValue, write: WriteID? = nil, at nowMilliseconds: UInt64 = 0) async throws {
        let (version, database) = recordChange(of: key, to: value)
        let writes = write.map { [($0, nowMilliseconds)] } ?? []
        try await database?.save(key, version: version, value: value, writes: writes, forgetWritesBefore: held.ledger.cutoff(nowMilliseconds: nowMilliseconds))
    }

    /// Counts a change of `key` (its next version, for the database) and tells its watchers;
    /// returns the version to save under and where to save it.
    private func recordChange(of key: StateKey, to value: StateValue) -> (Int64, StateDatabase?) {
        let version = versions[key, default: 0] + 1
        versions[key] = version
        for watcher in watchers[key]?.values ?? [:].values { watcher.yield(value) }
        return (version, database)
    }
}
