import Foundation
import PelotonCrypto
import PelotonWire

/// Who a node is and which cluster it belongs to: its identity key, the authority's
/// certificate for that key, and the authority's public key to check everyone else's.
public struct NodeCredentials: Sendable {
    public let identity: NodeIdentity
    public let certificate: NodeCertificate
    public let authority: PublicKey

    public init(identity: NodeIdentity, certificate: NodeCertificate, authority: PublicKey) throws {
        guard certificate.nodeKey == identity.publicKey else {
            throw NodeSetupError("the certificate was issued for another key (node \(certificate.nodeID.short), this key is \(identity.nodeID.short))")
        }
        do {
            try certificate.verify(authority: authority, now: unixSeconds())
        } catch {
            throw NodeSetupError("the node certificate does not hold for this cluster's authority: \(error)")
        }
        self.identity = identity
        self.certificate = certificate
        self.authority = authority
    }

    /// Loads the files `peloton keygen --node` wrote into a data directory.
    public static func load(from files: NodeFiles) throws -> NodeCredentials {
        guard FileManager.default.fileExists(atPath: files.identityPath) else {
            throw NodeSetupError("no node key in \(files.dataDirectory): run `peloton keygen --node NAME --authority-key FILE --out \(files.dataDirectory)`, or start with --dev")
        }
        let identity = try NodeIdentity.load(from: files.identityPath)
        guard let certificate = try files.readCertificate() else {
            throw NodeSetupError("no certificate in \(files.dataDirectory): run `peloton keygen --node NAME --authority-key FILE --out \(files.dataDirectory)`")
        }
        guard let authority = try files.readAuthorityPublicKey() else {
            throw NodeSetupError("no authority.pub in \(files.dataDirectory): reissue the certificate with `peloton keygen --node`")
        }
        return try NodeCredentials(identity: identity, certificate: certificate, authority: authority)
    }

    /// Development mode: an authority kept at `authorityPath` (created when missing) issues this
    /// node's certificate, so a first try needs no key set-up. Nodes given the same authority
    /// file form one cluster.
    public static func development(files: NodeFiles, authorityPath: String, name: String) throws -> NodeCredentials {
        try files.createDirectory()
        var authority = Authority.generate()
        do {
            try authority.save(to: authorityPath)
        } catch CryptoError.keyFileExists {
            // Created before, or just now by a node starting alongside: use that one.
            authority = try Authority.load(from: authorityPath)
        }
        let identity = try NodeIdentity.loadOrCreate(at: files.identityPath)
        if let existing = try? files.readCertificate(), existing.nodeKey == identity.publicKey,
           (try? existing.verify(authority: authority.publicKey, now: unixSeconds())) != nil {
            try files.writeAuthorityPublicKey(authority.publicKey)
            return try NodeCredentials(identity: identity, certificate: existing, authority: authority.publicKey)
        }
        let certificate = try authority.issueCertificate(for: identity.publicKey, name: name, notAfter: unixSeconds() + 365 * 86_400)
        try files.writeCertificate(certificate)
        try files.writeAuthorityPublicKey(authority.publicKey)
        return try NodeCredentials(identity: identity, certificate: certificate, authority: authority.publicKey)
    }
}

/// Wall-clock Unix seconds, for certificate expiry only (protocol timers use the monotonic clock).
public func unixSeconds() -> UInt64 { UInt64(max(0, Date().timeIntervalSince1970)) }
