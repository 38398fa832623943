import PelotonCrypto
import PelotonState

/// What a draining node does with the state it holds before it leaves: once placement no longer
/// chooses it, its ring has moved each of its keys to a new owner, and one anti-entropy
/// exchange with each member that now owns some of them hands them over (`AntiEntropyScope`
/// ships what the peer owns and lacks). Members that own none of its keys are left alone.
public enum DrainHandoff {
    /// The members of `alive` to exchange with, in the order given: those that own, in the
    /// draining node's view (`scope`), at least one key `replica` holds.
    public static func recipients(of replica: ReplicaState, in scope: AntiEntropyScope, alive: [NodeID]) -> [NodeID] {
        let candidates = Set(alive)
        var owning: Set<NodeID> = []
        for key in replica.store.values.keys {
            for owner in scope.ring.owners(of: key.placementKey, count: scope.replicas) where candidates.contains(owner) { owning.insert(owner) }
            // Every alive member owns something already: the other keys cannot add one.
            if owning.count == candidates.count { break }
        }
        return alive.filter(owning.contains)
    }
}
