import PelotonCore
import PelotonCrypto
import PelotonMembership
import PelotonWire

/// Revocation: the authority's signed word that a node key is out. A node that learns one
/// (from `POST /v1/revocations`, a datagram or a push-pull) checks the signature, stops
/// believing the node, declares it dead, keeps the revocation in its data directory, and passes
/// it on to random members for a while, like a gossiped update; push-pulls carry every
/// revocation, so a node that missed the gossip catches up.
extension MeshNode {
    /// Acts on `revocation` if it is the authority's and new; true when it was.
    @discardableResult
    public func learn(_ revocation: Revocation) -> Bool {
        do {
            try revocation.verify(authority: credentials.authority)
        } catch {
            metrics.dropped("revocation_\(error == .wrongAuthority ? "wrong_authority" : "bad_signature")")
            return false
        }
        guard !revocations.contains(where: { $0.node == revocation.node }) else { return false }
        revocations.append(revocation)
        logger.warning("node \(membership.name(for: revocation.node)) (\(revocation.node.short)) was revoked by the authority; excluding it")
        perform(membership.revoke(revocation.node, at: Self.now()))
        revocationGossip.append((revocation, membership.retransmitLimit))
        do {
            try files?.writeRevocations(revocations)
        } catch {
            logger.error("cannot save revocations: \(error)")
        }
        return true
    }

    /// Passes pending revocations to a few random alive members, on the gossip interval.
    func gossipRevocations(at now: Instant) {
        nextRevocationGossipAt = now + configuration.settings.gossipInterval
        guard !revocationGossip.isEmpty else { return }
        let batch = Array(revocationGossip.prefix(NodePayload.revocationsPerDatagram))
        let targets = membership.members.filter { $0.status == .alive }.shuffled().prefix(configuration.settings.gossipNodes)
        for target in targets { sendDatagram(.revocations(batch.map(\.revocation)), to: target.address) }
        for index in batch.indices { revocationGossip[index].remaining -= 1 }
        revocationGossip.removeAll { $0.remaining <= 0 }
    }

    /// Whether a peer met on a stream may still talk to this node.
    func isRevoked(_ id: NodeID) -> Bool { membership.credentials.revoked.contains(id) }
}
