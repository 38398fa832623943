import Foundation
import PelotonCrypto
import PelotonNodeCore
import PelotonState
import Testing
@testable import PelotonNode

/// The node's state on disk: saved states come back, an older save never replaces a newer
/// one, concurrent saves all land, and watchers hear each change.
@Suite struct StateDatabaseTests {
    static func temporaryPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("peloton-state-\(UUID().uuidString).sqlite").path
    }

    static func key(_ name: String) throws -> StateKey { try StateKey(kind: .set, name: name) }

    @Test func savedStatesComeBackAfterReopening() async throws {
        let path = Self.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let node = NodeID(high: 7, low: 7)
        do {
            let replica = try StateReplica(id: node, database: try StateDatabase(path: path))
            _ = try await replica.apply(.insert(["a", "b"]), to: try Self.key("tags"), nowMilliseconds: 0)
            _ = try await replica.apply(.add(5), to: try StateKey(kind: .counter, name: "hits"), nowMilliseconds: 0)
            _ = try await replica.apply(.remove(["a"]), to: try Self.key("tags"), nowMilliseconds: 0)
        }
        let reopened = try StateReplica(id: node, database: try StateDatabase(path: path))
        #expect(await reopened[try Self.key("tags")]?.json == .strings(["b"]))
        #expect(await reopened[try StateKey(kind: .counter, name: "hits")]?.json == .number(5))
        // The versions came back too: the next write is saved over the old row, not under it.
        _ = try await reopened.apply(.insert(["c"]), to: try Self.key("tags"), nowMilliseconds: 0)
        let again = try StateReplica(id: node, database: try StateDatabase(path: path))
        #expect(await again[try Self.key("tags")]?.json == .strings(["b", "c"]))
    }

    @Test func anOlderSaveNeverReplacesANewerOne() async throws {
        let path = Self.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let database = try StateDatabase(path: path)
        var newer = ORSet()
        newer.add("new", at: NodeID(high: 1, low: 0))
        try await database.save(try Self.key("k"), version: 2, value: .set(newer))
        try await database.save(try Self.key("k"), version: 1, value: .set(ORSet()))
        #expect(try database.loadAll()[try Self.key("k")]?.value == .set(newer))
    }

    @Test func concurrentSavesAllLand() async throws {
        let path = Self.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let replica = try StateReplica(id: NodeID(high: 3, low: 0), database: try StateDatabase(path: path))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<200 {
                group.addTask { _ = try await replica.apply(.add(1), to: try StateKey(kind: .counter, name: "k\(index % 10)"), nowMilliseconds: 0) }
            }
            try await group.waitForAll()
        }
        let saved = try StateDatabase(path: path).loadAll()
        #expect(saved.count == 10)
        #expect(saved.values.allSatisfy { $0.value.json == .number(20) })
    }

    @Test func aFileThatIsNotADatabaseIsRefusedAndKept() throws {
        let path = Self.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let garbage = Data("not a database, just some text that is long enough to look like a header".utf8)
        try garbage.write(to: URL(fileURLWithPath: path))
        #expect(throws: NodeSetupError.self) { try StateDatabase(path: path) }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == garbage)
    }

    @Test func watchersHearEveryChange() async throws {
        let replica = try StateReplica(id: NodeID(high: 4, low: 0), database: nil)
        let key = try StateKey(kind: .counter, name: "watched")
        let changes = await replica.watch(key)
        _ = try await replica.apply(.add(2), to: key, nowMilliseconds: 0)
        var incoming = PNCounter()
        incoming.add(3, at: NodeID(high: 5, low: 0))
        try await replica.merge([key: .counter(incoming)])
        var seen: [StateJSON] = []
        for await value in changes {
            seen.append(value.json)
            if seen.count == 2 { break }
        }
        #expect(seen == [.number(2), .number(5)])
    }
}

extension StateReplica {
    /// A write under a fresh id, for tests that do not look at ids.
    func apply(_ operation: StateOperation, to key: StateKey, nowMilliseconds: UInt64) async throws -> ReplicaState.WriteApplication {
        try await apply(operation, to: key, write: WriteID(high: .random(in: 0...UInt64.max), low: .random(in: 0...UInt64.max)), nowMilliseconds: nowMilliseconds)
    }
}

/// Writes named by id run once on an owner, across restarts and across owners.
@Suite struct WriteIDTests {
    let key = try! StateKey(kind: .counter, name: "once")

    @Test func aWriteHeldAlreadyIsNotAppliedAgainEvenAfterARestart() async throws {
        let path = StateDatabaseTests.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let node = NodeID(high: 9, low: 9)
        let write = WriteID(high: 1, low: 2)
        let now = MeshNode.wallClockMilliseconds()
        do {
            let replica = try StateReplica(id: node, database: try StateDatabase(path: path))
            guard case .applied = try await replica.apply(.increment(1), to: key, write: write, nowMilliseconds: now) else {
                Issue.record("a new write must be applied")
                return
            }
            guard case let .alreadyHeld(state) = try await replica.apply(.increment(1), to: key, write: write, nowMilliseconds: now) else {
                Issue.record("the same write again must not be applied")
                return
            }
            #expect(state?.json == .number(1))
        }
        let reopened = try StateReplica(id: node, database: try StateDatabase(path: path))
        #expect(await reopened.holds(write))
        guard case .alreadyHeld = try await reopened.apply(.increment(1), to: key, write: write, nowMilliseconds: now + 1) else {
            Issue.record("a restart must not forget which writes are held")
            return
        }
        #expect(await reopened[key]?.json == .number(1))
    }

    @Test func aWriteMergedFromAnotherOwnerIsNotAppliedHere() async throws {
        let path = StateDatabaseTests.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let first = try StateReplica(id: NodeID(high: 1, low: 0), database: nil)
        let second = try StateReplica(id: NodeID(high: 2, low: 0), database: try StateDatabase(path: path))
        let write = WriteID(high: 3, low: 4)
        let now = MeshNode.wallClockMilliseconds()
        guard case let .applied(delta, _) = try await first.apply(.increment(1), to: key, write: write, nowMilliseconds: now) else {
            Issue.record("a new write must be applied")
            return
        }
        try await second.merge(write: write, key: key, delta: delta, nowMilliseconds: now)
        // A client's retry reaches the second owner: it holds the write, and the count stays 1.
        guard case .alreadyHeld = try await second.apply(.increment(1), to: key, write: write, nowMilliseconds: now) else {
            Issue.record("a write merged from another owner must not be applied again")
            return
        }
        #expect(await second[key]?.json == .number(1))
        let reopened = try StateReplica(id: NodeID(high: 2, low: 0), database: try StateDatabase(path: path))
        #expect(await reopened.holds(write))
    }

    @Test func idsOlderThanTheRetentionAreForgotten() {
        var ledger = WriteLedger(retentionMilliseconds: 1_000, capacity: 2)
        let first = ledger.record(WriteID(high: 0, low: 1), atMilliseconds: 0)
        let again = ledger.record(WriteID(high: 0, low: 1), atMilliseconds: 10)
        #expect(first && !again)
        ledger.expire(nowMilliseconds: 1_001)
        #expect(!ledger.contains(WriteID(high: 0, low: 1)))
        // Past the capacity the oldest goes first.
        ledger.record(WriteID(high: 0, low: 2), atMilliseconds: 2_000)
        ledger.record(WriteID(high: 0, low: 3), atMilliseconds: 2_001)
        ledger.record(WriteID(high: 0, low: 4), atMilliseconds: 2_002)
        #expect(!ledger.contains(WriteID(high: 0, low: 2)))
        #expect(ledger.contains(WriteID(high: 0, low: 3)) && ledger.contains(WriteID(high: 0, low: 4)))
    }
}
