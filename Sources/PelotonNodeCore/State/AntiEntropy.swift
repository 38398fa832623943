import PelotonCrypto
import PelotonPlacement
import PelotonState

/// Which keys two nodes compare in an anti-entropy exchange: those the peer owns in this
/// node's view of the ring. A key this node holds but no longer owns goes to its new owners
/// the same way, which is how a drained or moved key is handed over.
public struct AntiEntropyScope: Sendable {
    public let ring: HashRing
    public let replicas: Int

    public init(ring: HashRing, replicas: Int) {
        self.ring = ring
        self.replicas = replicas
    }

    /// Whether `peer` owns `key` here: the digest sent to it and the answer to its digest
    /// cover exactly these keys.
    public func shares(_ key: StateKey, with peer: NodeID) -> Bool {
        ring.owners(of: key.placementKey, count: replicas).contains(peer)
    }

    /// The digest of what `replica` holds that `peer` owns.
    public func digest(of replica: inout ReplicaState, for peer: NodeID) -> [DigestEntry] {
        replica.digest { shares($0, with: peer) }
    }

    /// `replica`'s answer to `sender`'s digest.
    public func answer(_ digest: [DigestEntry], from sender: NodeID, by replica: inout ReplicaState) -> DigestAnswer {
        replica.answer(digest) { shares($0, with: sender) }
    }
}
