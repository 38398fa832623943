import PelotonCrypto
import PelotonMembership
import PelotonPlacement

/// Which members own a service, from one node's membership view: the same rule in the runtime
/// and in the simulator.
public enum ServicePlacement {
    /// The ring of the members offering a service, and its replica count (the largest any of
    /// them announces). Alive and suspect members count: a suspect may well be up, and the
    /// router moves on if it is not. A draining member does not: it is finishing what it has
    /// before it leaves. The local node counts when it offers the service and is neither
    /// leaving nor draining (the caller says so through `localReplicas`).
    public static func ring(
        localID: NodeID, localReplicas: Int?, members: MemberTable, virtualNodes: Int, replicasOffered: (Member) -> Int?
    ) -> (ring: HashRing, replicas: Int) {
        var offering: [NodeID] = []
        var replicas = 0
        if let localReplicas {
            offering.append(localID)
            replicas = localReplicas
        }
        for member in members where member.isPlaceable {
            guard let offered = replicasOffered(member) else { continue }
            offering.append(member.id)
            replicas = max(replicas, offered)
        }
        return (HashRing(members: offering, virtualNodes: virtualNodes), replicas)
    }
}

extension Member {
    /// Whether placement may choose this member: alive or suspect, and not draining.
    public var isPlaceable: Bool { (status == .alive || status == .suspect) && !metadata.isDraining }
}
