import PelotonCrypto
import PelotonWire

/// What a node knows about the cluster's certificates beyond its member table: the authority,
/// the revoked node keys, and certificates met on stream handshakes from nodes whose alive
/// claim has not arrived yet.
///
/// The member table is the main store of verified certificates: a member is in it only once
/// an alive claim carrying its certificate has been checked (or a saved view was trusted), so
/// `Membership.key(for:)` reads keys from there and nothing is held twice; in a simulated
/// mesh of 10,000 nodes, every node holding every certificate again would not fit in memory.
public struct CredentialBook: Sendable {
    public let authority: PublicKey
    let signatureCheck: any SignatureCheck
    /// Verified by a stream handshake; a handful at a time (peers met before their claims).
    private var handshakeCertificates: [NodeID: NodeCertificate] = [:]
    public private(set) var revoked: Set<NodeID> = []
    /// Certificate names, kept after a revocation so tables still say who was revoked.
    private var revokedNames: [NodeID: String] = [:]

    /// Above this many, the handshake certificates are all forgotten at once (their nodes are
    /// members by then, or were never going to be; a forgotten one is met again on the next
    /// exchange).
    static let maxHandshakeCertificates = 1_024

    public init(authority: PublicKey, signatureCheck: any SignatureCheck = Ed25519SignatureCheck()) {
        self.authority = authority
        self.signatureCheck = signatureCheck
    }

    /// The certificate a stream handshake verified for `id`, if any.
    func handshakeCertificate(for id: NodeID) -> NodeCertificate? { handshakeCertificates[id] }

    func revokedName(for id: NodeID) -> String? { revokedNames[id] }

    /// Records a certificate already verified (by the stream handshake).
    mutating func learn(_ certificate: NodeCertificate) {
        guard !revoked.contains(certificate.nodeID) else { return }
        if handshakeCertificates.count >= Self.maxHandshakeCertificates { handshakeCertificates.removeAll(keepingCapacity: true) }
        handshakeCertificates[certificate.nodeID] = certificate
    }

    /// The certificate in `credential` when it is the authority's, valid now, and for `id`.
    func verifiedCertificate(_ credential: [UInt8], for id: NodeID, unixTime: UInt64) -> NodeCertificate? {
        guard !credential.isEmpty, let certificate = try? NodeCertificate(wireBytes: credential), certificate.nodeID == id,
              (try? certificate.verify(authority: authority, now: unixTime, check: signatureCheck)) != nil
        else { return nil }
        return certificate
    }

    /// Excludes `id` for good: its signatures stop verifying and claims by or about it stop
    /// being believed. `name` is what tables call it from then on.
    mutating func revoke(_ id: NodeID, name: String?) {
        revoked.insert(id)
        if let name { revokedNames[id] = name }
        handshakeCertificates[id] = nil
    }
}
