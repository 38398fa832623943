import Foundation
import Synchronization
import PelotonCrypto
import Testing

@Suite struct KeyFileTests {
    let directory: String

    init() throws {
        directory = NSTemporaryDirectory() + "peloton-keys-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    private func mode(of path: String) throws -> Int {
        try (FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? -1
    }

    @Test func savedIdentityLoadsBackWithMode0600() throws {
        let path = directory + "/node.key"
        let identity = NodeIdentity.generate()
        try identity.save(to: path)
        #expect(try mode(of: path) == 0o600)
        let loaded = try NodeIdentity.load(from: path)
        #expect(loaded.publicKey == identity.publicKey)
        let message = Array("still me".utf8)
        #expect(identity.publicKey.isValidSignature(loaded.signature(for: message), for: message))
    }

    @Test func loadOrCreateCreatesOnceThenReuses() throws {
        let path = directory + "/node.key"
        let first = try NodeIdentity.loadOrCreate(at: path)
        let second = try NodeIdentity.loadOrCreate(at: path)
        #expect(first.nodeID == second.nodeID)
    }

    @Test func worldReadableKeyFileIsRefused() throws {
        let path = directory + "/node.key"
        try NodeIdentity.generate().save(to: path)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        #expect(throws: CryptoError.keyFilePermissions(path: path, mode: 0o100644)) { try NodeIdentity.load(from: path) }
        do {
            _ = try NodeIdentity.load(from: path)
            Issue.record("a world-readable key file was loaded")
        } catch {
            #expect("\(error)".contains("chmod 600 \(path)"))
        }
    }

    @Test func groupReadableKeyFileIsRefused() throws {
        let path = directory + "/authority.key"
        try Authority.generate().save(to: path)
        try FileManager.default.setAttributes([.posixPermissions: 0o640], ofItemAtPath: path)
        #expect(throws: CryptoError.self) { try Authority.load(from: path) }
    }

    @Test func truncatedKeyFileIsRefused() throws {
        let path = directory + "/node.key"
        try NodeIdentity.generate().save(to: path)
        let contents = try Data(contentsOf: URL(fileURLWithPath: path))
        for length in [0, 1, 5, 40, contents.count - 1] {
            try contents.prefix(length).write(to: URL(fileURLWithPath: path))
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
            #expect(throws: CryptoError.keyFileTruncated(path: path, size: length, expected: contents.count)) {
                try NodeIdentity.load(from: path)
            }
        }
        try (contents + [0]).write(to: URL(fileURLWithPath: path))
        #expect(throws: CryptoError.keyFileTruncated(path: path, size: contents.count + 1, expected: contents.count)) {
            try NodeIdentity.load(from: path)
        }
    }

    @Test func damagedSeedIsDetected() throws {
        let path = directory + "/node.key"
        try NodeIdentity.generate().save(to: path)
        var contents = try Data(contentsOf: URL(fileURLWithPath: path))
        contents[10] ^= 0xff
        try contents.write(to: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        #expect(throws: CryptoError.keyFileCorrupt(path: path, reason: "the secret key does not match the stored public key")) {
            try NodeIdentity.load(from: path)
        }
    }

    @Test func notAKeyFileIsRefused() throws {
        let path = directory + "/node.key"
        try NodeIdentity.generate().save(to: path)
        var contents = try Data(contentsOf: URL(fileURLWithPath: path))
        contents[0] = UInt8(ascii: "X")
        try contents.write(to: URL(fileURLWithPath: path))
        #expect(throws: CryptoError.keyFileCorrupt(path: path, reason: "not a Peloton key file")) { try NodeIdentity.load(from: path) }
    }

    @Test func authorityKeyIsNotANodeKey() throws {
        let path = directory + "/authority.key"
        try Authority.generate().save(to: path)
        #expect(throws: CryptoError.keyFileWrongKind(path: path, expected: "node identity", found: "authority")) {
            try NodeIdentity.load(from: path)
        }
        #expect(try Authority.load(from: path).publicKey.bytes.count == 32)
    }

    @Test func concurrentCreatorsOfOneKeyFileLeaveExactlyOneWinner() throws {
        let path = directory + "/authority.key"
        let authorities = (0..<8).map { _ in Authority.generate() }
        let outcomes = Outcomes()
        DispatchQueue.concurrentPerform(iterations: authorities.count) { index in
            do {
                try authorities[index].save(to: path)
                outcomes.record(winner: index)
            } catch CryptoError.keyFileExists {
                outcomes.record(winner: nil)
            } catch {
                outcomes.record(winner: -1)
            }
        }
        let winners = outcomes.winners
        #expect(winners.count == 1)
        #expect(outcomes.losses == authorities.count - 1)
        if let winner = winners.first {
            #expect(try Authority.load(from: path).publicKey == authorities[winner].publicKey)
        }
    }

    @Test func existingKeyIsNotOverwritten() throws {
        let path = directory + "/node.key"
        let original = NodeIdentity.generate()
        try original.save(to: path)
        #expect(throws: CryptoError.keyFileExists(path: path)) { try NodeIdentity.generate().save(to: path) }
        #expect(try NodeIdentity.load(from: path).nodeID == original.nodeID)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.contains(".tmp-") }
        #expect(leftovers.isEmpty)
    }

    @Test func missingFileSaysSo() {
        let path = directory + "/absent.key"
        #expect(throws: CryptoError.keyFileMissing(path: path)) { try NodeIdentity.load(from: path) }
    }
}

/// Collects what concurrent savers saw, behind a lock.
private final class Outcomes: Sendable {
    private let state = Mutex<(winners: [Int], losses: Int)>(([], 0))

    func record(winner: Int?) {
        state.withLock { state in
            if let winner { state.winners.append(winner) } else { state.losses += 1 }
        }
    }

    var winners: [Int] { state.withLock { $0.winners } }
    var losses: Int { state.withLock { $0.losses } }
}
