import PelotonCore
import PelotonCrypto
import PelotonWire

/// Checking claims against the certificates this node holds: in its member table, or met on a
/// stream handshake.
extension Membership {
    /// The certificate `id` is known by here: its latest believed alive claim's, or the one its
    /// stream handshake showed; nil for strangers and revoked nodes.
    public func certificate(for id: NodeID) -> NodeCertificate? {
        guard !credentials.revoked.contains(id) else { return nil }
        let credential = id == localID ? metadata.credential : members[id]?.metadata.credential
        if let credential, !credential.isEmpty, let certificate = try? NodeCertificate(wireBytes: credential) { return certificate }
        return credentials.handshakeCertificate(for: id)
    }

    /// The key to check `id`'s signatures with (its claims, its datagrams): nil for strangers
    /// and revoked nodes.
    public func key(for id: NodeID) -> PublicKey? {
        if id == localID { return credentials.revoked.contains(id) ? nil : identity.publicKey }
        return certificate(for: id)?.nodeKey
    }

    /// The name in the member's certificate, or its short id when none is known.
    public func name(for id: NodeID) -> String {
        certificate(for: id)?.name ?? credentials.revokedName(for: id) ?? id.short
    }

    /// Why `claim` may not be believed, or nil when it may: neither its signer nor its subject
    /// is revoked, an alive claim with metadata carries a valid certificate for its subject
    /// (checked once: the same bytes as the member's current certificate pass at once), and
    /// the signature is the signer's over exactly this claim.
    public func rejection(of claim: SignedClaim, at now: Instant) -> ClaimRejection? {
        if credentials.revoked.contains(claim.subject) || credentials.revoked.contains(claim.signer) { return .revoked }
        let key: PublicKey
        if case let .alive(id, _, _, metadata?) = claim.update {
            if let known = members[id], known.metadata.credential == metadata.credential, let current = certificate(for: id) {
                key = current.nodeKey
            } else if id == localID, metadata.credential == self.metadata.credential {
                key = identity.publicKey
            } else {
                guard let certificate = credentials.verifiedCertificate(metadata.credential, for: id, unixTime: unixTime(at: now)) else {
                    return .badCertificate
                }
                key = certificate.nodeKey
            }
        } else {
            guard let known = self.key(for: claim.signer) else { return .unknownSigner }
            key = known
        }
        let valid = credentials.signatureCheck.isValid(claim.signature, by: key, over: SignedClaim.signedBytes(of: claim.update))
        return valid ? nil : .badSignature
    }
}
