import Foundation
import PelotonCrypto
import PelotonWire

/// A node's data directory: its identity key, its certificate, the cluster authority's public
/// key, and the highest incarnation it has used (so a restart always speaks with a newer one).
public struct NodeFiles: Sendable {
    public let dataDirectory: String

    public init(dataDirectory: String) { self.dataDirectory = dataDirectory }

    public var identityPath: String { dataDirectory + "/node.key" }
    public var certificatePath: String { dataDirectory + "/node.cert" }
    public var authorityPublicKeyPath: String { dataDirectory + "/authority.pub" }
    public var incarnationPath: String { dataDirectory + "/incarnation" }
    /// The replicated state this node holds (SQLite).
    public var statePath: String { dataDirectory + "/state.sqlite" }
    /// Where `--dev` keeps its throwaway authority unless told otherwise.
    public var developmentAuthorityPath: String { dataDirectory + "/dev-authority.key" }

    public func createDirectory() throws {
        try FileManager.default.createDirectory(
            atPath: dataDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    }

    public func writeCertificate(_ certificate: NodeCertificate) throws {
        try Data(certificate.wireBytes).write(to: URL(fileURLWithPath: certificatePath), options: .atomic)
    }

    /// The certificate, nil when none was issued yet; a damaged file is an error, not nil.
    public func readCertificate() throws -> NodeCertificate? {
        guard FileManager.default.fileExists(atPath: certificatePath) else { return nil }
        let bytes = try Data(contentsOf: URL(fileURLWithPath: certificatePath))
        guard bytes.count <= 4096 else { throw NodeSetupError("\(certificatePath) is too large to be a certificate") }
        do {
            return try NodeCertificate(wireBytes: bytes)
        } catch {
            throw NodeSetupError("\(certificatePath) is not a valid certificate: \(error)")
        }
    }

    /// The authority's public key, written in hex next to the certificate it signed.
    public func writeAuthorityPublicKey(_ key: PublicKey) throws {
        try Data((key.description + "\n").utf8).write(to: URL(fileURLWithPath: authorityPublicKeyPath), options: .atomic)
    }

    public func readAuthorityPublicKey() throws -> PublicKey? {
        guard FileManager.default.fileExists(atPath: authorityPublicKeyPath) else { return nil }
        let text = try String(contentsOfFile: authorityPublicKeyPath, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let bytes = bytes(fromHex: text), let key = try? PublicKey(bytes: bytes) else {
            throw NodeSetupError("\(authorityPublicKeyPath) must hold the authority's public key as 64 hex digits")
        }
        return key
    }

    /// The highest incarnation used so far, 0 when the node never ran.
    public func readIncarnation() throws -> UInt64 {
        guard FileManager.default.fileExists(atPath: incarnationPath) else { return 0 }
        let text = try String(contentsOfFile: incarnationPath, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let value = UInt64(text) else { throw NodeSetupError("\(incarnationPath) must hold a whole number, found \"\(text.prefix(40))\"") }
        return value
    }

    public func writeIncarnation(_ value: UInt64) throws {
        try Data("\(value)\n".utf8).write(to: URL(fileURLWithPath: incarnationPath), options: .atomic)
    }
}

/// A problem with a node's files or options, worded for the operator.
public struct NodeSetupError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A running node stopped without being asked to: the reason it gives on its way out.
public struct NodeStoppedError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

extension NodeFiles {
    public var revocationsPath: String { dataDirectory + "/revocations" }

    /// Revocations this node has learned, each checked against `authority` again on load.
    public func readRevocations(authority: PublicKey) throws -> [Revocation] {
        guard FileManager.default.fileExists(atPath: revocationsPath) else { return [] }
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: revocationsPath)))
        guard bytes.count.isMultiple(of: Revocation.encodedSize) else {
            throw NodeSetupError("\(revocationsPath) is damaged: its size is not a whole number of revocations")
        }
        return try stride(from: 0, to: bytes.count, by: Revocation.encodedSize).map { start in
            let revocation = try Revocation(wireBytes: bytes[start..<(start + Revocation.encodedSize)])
            do {
                try revocation.verify(authority: authority)
            } catch {
                throw NodeSetupError("\(revocationsPath) holds a revocation that does not verify: \(error)")
            }
            return revocation
        }
    }

    public func writeRevocations(_ revocations: [Revocation]) throws {
        try Data(revocations.flatMap(\.wireBytes)).write(to: URL(fileURLWithPath: revocationsPath), options: .atomic)
    }
}
