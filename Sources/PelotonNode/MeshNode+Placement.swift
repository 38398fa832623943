import PelotonCore
import PelotonCrypto
import PelotonMembership
import PelotonPlacement
import PelotonServices
import PelotonState

/// Placement as the router reads it: each service's ring of the members offering it, cached
/// until the membership changes (and for at most a second), and the mesh's ring for state
/// and work units.
extension MeshNode {
    /// Whether `service` says its calls may run twice: this node's own definition, or else
    /// what its owners announce.
    nonisolated func isIdempotent(_ service: String) -> Bool {
        if let local = services?.services[service] { return local.idempotent }
        return cachedRing(service, at: Self.now())?.idempotent ?? false
    }

    /// The owners of (`service`, `key`) in this node's view, first owner first: whom a call
    /// goes to, and in which order it is reissued.
    public nonisolated func owners(of service: String, key: String?) async -> [NodeID] {
        await placement(of: service, key: key, at: Self.now()).owners
    }

    /// The owners of (`service`, `key`) in this node's view, with their addresses. Served from
    /// the placement cache without entering the actor, unless the cache is stale.
    nonisolated func placement(of service: String, key: String?, at now: Instant) async -> (owners: [NodeID], addresses: [NodeID: NodeAddress]) {
        let snapshot = await ringSnapshot(service, at: now)
        return (snapshot.ring.owners(of: PlacementKey(service: service, key: key), count: snapshot.replicas), snapshot.addresses)
    }

    /// The owners of (`service`, `key`) among the members whose version `versions` accepts.
    nonisolated func placement(
        of service: String, key: String?, at now: Instant, versions: VersionRule
    ) async -> Result<(owners: [NodeID], addresses: [NodeID: NodeAddress]), CallFailure> {
        if versions == .any { return .success(await placement(of: service, key: key, at: now)) }
        let snapshot = await ringSnapshot(service, at: now)
        // The whole preference list: an exact version walks past owners of other versions.
        let preference = snapshot.ring.owners(of: PlacementKey(service: service, key: key), count: snapshot.ring.members.count)
        return versions.owners(preference: preference, replicas: snapshot.replicas, versions: snapshot.versions, service: service)
            .map { ($0, snapshot.addresses) }
    }

    private nonisolated func ringSnapshot(_ service: String, at now: Instant) async -> ServiceRingSnapshot {
        if let cached = cachedRing(service, at: now) { return cached }
        return await serviceRing(service)
    }

    /// The ring of the members offering `service`, its replica count and the members'
    /// addresses (`ServicePlacement`); cached until the membership changes, and for at most a
    /// second.
    func serviceRing(_ service: String) -> ServiceRingSnapshot {
        let now = Self.now()
        if let cached = cachedRing(service, at: now) { return cached }
        let ring: HashRing
        let replicas: Int
        if service == StateKey.placementService || service == Self.jobsService {
            // Every member holds state and runs work units.
            (ring, replicas) = (meshRing(), configuration.stateReplicas)
        } else {
            let local = isPlaceable ? services?.services[service]?.replicas : nil
            (ring, replicas) = ServicePlacement.ring(
                localID: id, localReplicas: local, members: membership.members, virtualNodes: configuration.virtualNodes,
                replicasOffered: { member in member.metadata.services.first { $0.name == service }?.replicas })
        }
        var addresses: [NodeID: NodeAddress] = [:]
        var versions: [NodeID: String] = [:]
        var idempotent = !ring.members.isEmpty
        for member in ring.members {
            if member == id {
                versions[member] = services?.services[service]?.version
                idempotent = idempotent && services?.services[service]?.idempotent == true
            } else if let known = membership.members[member] {
                addresses[member] = known.address
                let offered = known.metadata.services.first { $0.name == service }
                versions[member] = offered?.version
                idempotent = idempotent && offered?.idempotent == true
            }
        }
        let snapshot = ServiceRingSnapshot(
            ring: ring, replicas: replicas, addresses: addresses, versions: versions, idempotent: idempotent, validUntil: now + .seconds(1))
        // Only services someone offers are kept: clients calling made-up names must not grow
        // the cache without bound.
        if !ring.isEmpty { placements.withLock { $0[service] = snapshot } }
        return snapshot
    }

    /// `service`'s ring from the cache, unless it is missing or stale.
    nonisolated func cachedRing(_ service: String, at now: Instant) -> ServiceRingSnapshot? {
        placements.withLock { $0[service] }.flatMap { $0.validUntil > now ? $0 : nil }
    }

    /// The ring of every alive or suspect member that is not draining, whose checksum shows
    /// whether two nodes see the same mesh.
    func meshRing() -> HashRing {
        let others = membership.members.lazy.filter(\.isPlaceable).map(\.id)
        return HashRing(members: (isPlaceable ? [id] : []) + others, virtualNodes: configuration.virtualNodes)
    }

    /// Whether this node may be chosen as an owner: not leaving and not draining.
    var isPlaceable: Bool { !membership.isLeaving && !isDraining }

    /// Forgets cached rings; the membership changed.
    func invalidateRings() {
        placements.withLock { $0.removeAll() }
    }
}
