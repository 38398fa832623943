import Foundation
import PelotonCrypto
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
