import Foundation
import GRDB
import PelotonState
import PelotonWire
import Synchronization

/// The state a node holds, kept in SQLite (through GRDB) in its data directory: one row per
/// key with the key's whole CRDT state and a version that only grows. Saves from concurrent
/// writes are committed together (group commit); a save returns once it is on disk, which is
/// when a write may count this node as holding it.
final class StateDatabase: Sendable {
    let path: String
    private let queue: DatabaseQueue
    private let batch = Mutex(Batch())

    private struct Batch {
        var rows: [StateKey: (version: Int64, value: StateValue)] = [:]
        /// Ids of writes held here, committed with the states that hold them.
        var writes: [(id: WriteID, atMilliseconds: UInt64)] = []
        /// Saved write ids older than this may be deleted (`WriteLedger.cutoff`).
        var forgetWritesBefore: UInt64 = 0
        var waiters: [CheckedContinuation<Void, any Error>] = []
        var isFlushing = false
    }

    /// Opens (or creates) the database and checks it; anything unreadable is an error that
    /// names the file and leaves it untouched.
    init(path: String) throws {
        self.path = path
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            // FULL: a commit is on disk when it returns, so an acknowledged write survives a
            // power cut as well as a kill -9.
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        do {
            queue = try DatabaseQueue(path: path, configuration: configuration)
            try queue.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA journal_mode = WAL")
                let check = try String.fetchOne(db, sql: "PRAGMA quick_check") ?? "no answer"
                guard check == "ok" else { throw NodeSetupError("integrity check failed: \(check)") }
            }
            var migrator = DatabaseMigrator()
            migrator.registerMigration("state-v1") { db in
                try db.create(table: "state", options: [.withoutRowID]) { table in
                    table.column("kind", .integer).notNull()
                    table.column("name", .text).notNull()
                    table.column("version", .integer).notNull()
                    table.column("value", .blob).notNull()
                    table.primaryKey(["kind", "name"])
                }
            }
            migrator.registerMigration("writes-v1") { db in
                try db.create(table: "writes", options: [.withoutRowID]) { table in
                    table.column("high", .integer).notNull()
                    table.column("low", .integer).notNull()
                    table.column("at", .integer).notNull().indexed()
                    table.primaryKey(["high", "low"])
                }
            }
            try migrator.migrate(queue)
        } catch {
            throw Self.unreadable(path, error)
        }
    }

    static func unreadable(_ path: String, _ error: any Error) -> NodeSetupError {
        NodeSetupError(
            "the state database \(path) cannot be read (\(error)). It was left as it is; move it away to start this node "
                + "without its state (the other owners still hold every key that was acknowledged)")
    }

    /// Every row, decoded; one unreadable row makes the whole load fail rather than start
    /// with a silent gap.
    func loadAll() throws -> [StateKey: (version: Int64, value: StateValue)] {
        do {
            return try queue.read { db in
                var states: [StateKey: (version: Int64, value: StateValue)] = [:]
                let rows = try Row.fetchCursor(db, sql: "SELECT kind, name, version, value FROM state")
                while let row = try rows.next() {
                    let kindValue: DatabaseValue = row["kind"]
                    let nameValue: DatabaseValue = row["name"]
                    let versionValue: DatabaseValue = row["version"]
                    let blobValue: DatabaseValue = row["value"]
                    guard let kindNumber = Int64.fromDatabaseValue(kindValue), let kind = UInt8(exactly: kindNumber).flatMap(StateKind.init(rawValue:)),
                          let name = String.fromDatabaseValue(nameValue), let version = Int64.fromDatabaseValue(versionValue),
                          let blob = Data.fromDatabaseValue(blobValue)
                    else { throw NodeSetupError("a row has a bad kind, name, version or value") }
                    let key: StateKey
                    let value: StateValue
                    do {
                        key = try StateKey(kind: kind, name: name)
                        value = try StateValue(wireBytes: blob)
                    } catch {
                        throw NodeSetupError("the row for \(kind.name)/\(name) does not decode: \(error)")
                    }
                    guard value.kind == key.kind else { throw NodeSetupError("the row for \(key) holds a \(value.kind.name)") }
                    states[key] = (version, value)
                }
                return states
            }
        } catch {
            throw Self.unreadable(path, error)
        }
    }

    /// The ids of writes held here since `sinceMilliseconds`, oldest first, with their times.
    func loadWrites(sinceMilliseconds: UInt64) throws -> [(id: WriteID, atMilliseconds: UInt64)] {
        do {
            return try queue.read { db in
                try Row.fetchAll(db, sql: "SELECT high, low, at FROM writes WHERE at >= ? ORDER BY at", arguments: [Int64(clamping: sinceMilliseconds)]).compactMap { row in
                    let high: DatabaseValue = row["high"]
                    let low: DatabaseValue = row["low"]
                    let at: DatabaseValue = row["at"]
                    guard let high = Int64.fromDatabaseValue(high), let low = Int64.fromDatabaseValue(low), let at = Int64.fromDatabaseValue(at), at >= 0 else {
                        throw NodeSetupError("a saved write id is not two integers and a time")
                    }
                    return (WriteID(high: UInt64(bitPattern: high), low: UInt64(bitPattern: low)), UInt64(at))
                }
            }
        } catch {
            throw Self.unreadable(path, error)
        }
    }

    /// Writes `value` as `key`'s state unless a later version is already saved, with the ids
    /// of the writes it holds (`writes`) in the same commit; returns once it is on disk. Saves
    /// that arrive while a commit runs go into the next one together.
    func save(
        _ key: StateKey, version: Int64, value: StateValue, writes: [(id: WriteID, atMilliseconds: UInt64)] = [], forgetWritesBefore: UInt64 = 0
    ) async throws {
        try await withCheckedThrowingContinuation { (waiter: CheckedContinuation<Void, any Error>) in
            let startFlushing = batch.withLock { batch in
                if let queued = batch.rows[key], queued.version > version {
                    // A newer state of the key is already waiting to be written.
                } else {
                    batch.rows[key] = (version, value)
                }
                batch.writes += writes
                batch.forgetWritesBefore = max(batch.forgetWritesBefore, forgetWritesBefore)
                batch.waiters.append(waiter)
                guard !batch.isFlushing else { return false }
                batch.isFlushing = true
                return true
            }
            if startFlushing { Task { await self.flush() } }
        }
    }

    private func flush() async {
        while true {
            let (rows, writes, forgetBefore, waiters) = batch.withLock { batch in
                let taken = (batch.rows, batch.writes, batch.forgetWritesBefore, batch.waiters)
                batch.rows = [:]
                batch.writes = []
                batch.waiters = []
                if taken.0.isEmpty && taken.3.isEmpty { batch.isFlushing = false }
                return taken
            }
            if rows.isEmpty && waiters.isEmpty { return }
            do {
                try await queue.write { db in
                    for write in writes {
                        try db.execute(
                            sql: "INSERT OR IGNORE INTO writes (high, low, at) VALUES (?, ?, ?)",
                            arguments: [Int64(bitPattern: write.id.high), Int64(bitPattern: write.id.low), Int64(clamping: write.atMilliseconds)])
                    }
                    if forgetBefore > 0 {
                        try db.execute(sql: "DELETE FROM writes WHERE at < ?", arguments: [Int64(clamping: forgetBefore)])
                    }
                    for (key, row) in rows {
                        try db.execute(
                            sql: """
                                INSERT INTO state (kind, name, version, value) VALUES (?, ?, ?, ?)
                                ON CONFLICT (kind, name) DO UPDATE SET version = excluded.version, value = excluded.value
                                WHERE excluded.version > state.version
                                """,
                            arguments: [Int64(key.kind.rawValue), key.name, row.version, Data(row.value.wireBytes)])
                    }
                }
                for waiter in waiters { waiter.resume() }
            } catch {
                for waiter in waiters { waiter.resume(throwing: error) }
            }
        }
    }
}
