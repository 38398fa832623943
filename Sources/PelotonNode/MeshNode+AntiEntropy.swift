import PelotonCore
import PelotonCrypto
import PelotonNodeCore
import PelotonState

/// Digest anti-entropy and pruning on a timer: what repairs the owners a write's delta did not
/// reach, hands keys to their new owners, and folds revoked nodes out of every key.
extension MeshNode {
    /// One anti-entropy round: send a peer (`peerID`, or a random alive member) the digests of
    /// the keys it owns that this node holds, merge what differs on its side, and send back
    /// what it wants.
    func antiEntropyRound(with peerID: NodeID? = nil) async {
        let peers = aliveMembers()
        guard let peer = peerID.map({ id in peers.first { $0.id == id } }) ?? peers.randomElement() else { return }
        let (ring, replicas) = stateRing()
        let digest = await stateReplica.digest(in: AntiEntropyScope(ring: ring, replicas: replicas), for: peer.id)
        let addresses = [peer.id: peer.address]
        let deadline = Self.now() + configuration.streamTimeout
        guard case let .success(.answer(answer)) = await askOwner(peer.id, addresses: addresses, .digest(sender: id, digest), until: deadline, deadline: deadline) else {
            metrics.antiEntropyRound(keysShipped: 0)
            return
        }
        do {
            try await stateReplica.merge(answer.states)
        } catch {
            logger.error("anti-entropy: could not save what \(peer.id.short) sent: \(error)")
            return
        }
        metrics.antiEntropyRound(keysShipped: answer.states.count + answer.wanted.count)
        let wanted = await stateReplica.states(of: answer.wanted)
        guard !wanted.isEmpty else { return }
        _ = await askOwner(peer.id, addresses: addresses, .merge(wanted), until: deadline, deadline: deadline)
    }

    /// Runs anti-entropy rounds, and a pruning step after each, every `stateSyncInterval`
    /// until cancelled.
    func runAntiEntropy() async throws {
        while !Task.isCancelled {
            try await Task.sleep(for: configuration.stateSyncInterval)
            await antiEntropyRound()
            await pruneRemovedNodes()
        }
    }

    /// Moves revoked nodes' entries out of the state this node holds (`PruningState`): their
    /// keys never again carry a count or a version for a node that cannot come back. The
    /// authority's revocation is what makes a node removed: an identity survives restarts, so
    /// a node that is merely down must keep its entries.
    func pruneRemovedNodes() async {
        let now = Self.wallClockMilliseconds()
        let lifetime = UInt64(configuration.pruneMarkerLifetime.nanosecondsClamped / 1_000_000)
        let removed = Set(revocations.map(\.node))
        let forgotten = Set(revocations.filter { revocation in
            let (revokedAt, overflow) = revocation.issuedAt.multipliedReportingOverflow(by: 1000)
            return !overflow && revokedAt <= now && now - revokedAt >= lifetime
        }.map(\.node))
        let (ring, replicas) = stateRing()
        do {
            let folded = try await stateReplica.advancePruning(
                removed: removed, forgotten: forgotten, nowMilliseconds: now, markerLifetimeMilliseconds: lifetime
            ) { ring.owners(of: $0.placementKey, count: replicas) }
            guard !folded.isEmpty else { return }
            metrics.statePruned(keys: folded.count)
            for (key, replica) in folded {
                logger.notice("state \(key): folded the entries of removed node \(replica.short) into this node's")
            }
        } catch {
            logger.error("pruning: could not save: \(error)")
        }
    }
}
