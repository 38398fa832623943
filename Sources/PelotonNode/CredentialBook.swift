import PelotonCrypto
import PelotonMembership
import PelotonWire

/// The certificates this node has verified, by node id: the keys its envelope gate checks
/// signatures with, and the filter that keeps uncertified members out of its view.
///
/// A member's certificate rides in its metadata (`credential`), so a node learns a member's key
/// together with the member, from whoever tells it first; the certificate is verified once
/// against the cluster authority and then recognised by its bytes.
public struct CredentialBook: Sendable {
    public let authority: PublicKey
    private var certificates: [NodeID: NodeCertificate] = [:]
    private var credentialBytes: [NodeID: [UInt8]] = [:]
    public private(set) var revoked: Set<NodeID> = []
    /// Certificate names, kept after a revocation so tables still say who was revoked.
    private var names: [NodeID: String] = [:]

    public init(authority: PublicKey) { self.authority = authority }

    public func certificate(for id: NodeID) -> NodeCertificate? { certificates[id] }

    /// The name in the member's certificate, or its short id when none was ever verified.
    public func name(for id: NodeID) -> String { names[id] ?? id.short }

    /// The key to check `id`'s signatures with: nil for strangers and revoked nodes.
    public func key(for id: NodeID) -> PublicKey? {
        revoked.contains(id) ? nil : certificates[id]?.nodeKey
    }

    /// Records a certificate already verified (by the stream handshake).
    public mutating func learn(_ certificate: NodeCertificate) {
        guard !revoked.contains(certificate.nodeID) else { return }
        certificates[certificate.nodeID] = certificate
        credentialBytes[certificate.nodeID] = certificate.wireBytes
        names[certificate.nodeID] = certificate.name
    }

    /// Whether `metadata` carries a valid certificate for `id`; remembers it when it does.
    public mutating func admit(_ metadata: MemberMetadata, for id: NodeID, unixTime: UInt64) -> Bool {
        guard !revoked.contains(id) else { return false }
        if let known = credentialBytes[id], known == metadata.credential { return true }
        guard !metadata.credential.isEmpty, let certificate = try? NodeCertificate(wireBytes: metadata.credential),
              certificate.nodeID == id, (try? certificate.verify(authority: authority, now: unixTime)) != nil
        else { return false }
        certificates[id] = certificate
        credentialBytes[id] = metadata.credential
        names[id] = certificate.name
        return true
    }

    /// Excludes `id` for good: its signatures stop verifying and its updates stop being believed.
    public mutating func revoke(_ id: NodeID) {
        revoked.insert(id)
        certificates[id] = nil
        credentialBytes[id] = nil
    }

    /// `message` without the alive claims and full-state entries that lack a valid credential,
    /// and without anything about revoked nodes; also how many entries were dropped.
    public mutating func filter(_ message: MembershipMessage, unixTime: UInt64) -> (MembershipMessage, dropped: Int) {
        var dropped = 0
        func keep(_ updates: [MembershipUpdate]) -> [MembershipUpdate] {
            updates.filter { update in
                let accepted: Bool
                switch update {
                case let .alive(id, _, _, metadata?): accepted = admit(metadata, for: id, unixTime: unixTime)
                // "Same metadata as before" is only believed about a member already certified.
                case let .alive(id, _, _, nil): accepted = key(for: id) != nil
                default: accepted = !revoked.contains(update.subject)
                }
                if !accepted { dropped += 1 }
                return accepted
            }
        }
        let filtered: MembershipMessage
        switch message {
        case let .ping(sequence, target, updates): filtered = .ping(sequence: sequence, target: target, updates: keep(updates))
        case let .ack(sequence, updates): filtered = .ack(sequence: sequence, updates: keep(updates))
        case let .nack(sequence, updates): filtered = .nack(sequence: sequence, updates: keep(updates))
        case let .pingRequest(sequence, target, address, updates):
            filtered = .pingRequest(sequence: sequence, target: target, targetAddress: address, updates: keep(updates))
        case let .gossip(updates): filtered = .gossip(updates: keep(updates))
        case let .pushPull(isReply, isJoin, members):
            let kept = members.filter { state in
                let accepted = admit(state.metadata, for: state.id, unixTime: unixTime)
                if !accepted { dropped += 1 }
                return accepted
            }
            filtered = .pushPull(isReply: isReply, isJoin: isJoin, members: kept)
        }
        return (filtered, dropped)
    }
}
