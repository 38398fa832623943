import Foundation
import PelotonCore
import PelotonCrypto
import PelotonEvents
import PelotonPlacement
import PelotonServices

/// Service placement as system events: when a membership change gives a service its first
/// owners, moves it, or leaves it with none, this node delivers `mesh.service.placed`,
/// `.moved` or `.unplaced` to its own subscribers. Like `mesh.member.*`, every node sees the
/// membership, so these are local, not gossiped.
extension MeshNode {
    /// How often at most the owners are recomputed: a join burst changes the membership many
    /// times a second, and one look after it says where things ended up.
    static let placementCheckInterval = Duration.milliseconds(500)

    /// Every service some member (or this node) offers, with the versions on offer.
    func offeredServiceVersions() -> [String: Set<String>] {
        var versions: [String: Set<String>] = [:]
        if let services, isPlaceable {
            for service in services.services.values { versions[service.name, default: []].insert(service.version) }
        }
        for member in membership.members where member.isPlaceable {
            for service in member.metadata.services { versions[service.name, default: []].insert(service.version) }
        }
        return versions
    }

    /// The owners of `service`'s unkeyed calls, in preference order.
    func owners(ofService service: String) -> [NodeID] {
        let placement = serviceRing(service)
        return placement.ring.owners(of: PlacementKey(service: service), count: placement.replicas)
    }

    /// Publishes what changed in the services' placement since the last look, when the
    /// membership changed and the last look is at least `placementCheckInterval` old.
    func announcePlacementChanges(at now: Instant) {
        guard placementsMayHaveChanged, now >= nextPlacementCheckAt else { return }
        placementsMayHaveChanged = false
        nextPlacementCheckAt = now + Self.placementCheckInterval
        let current = Dictionary(uniqueKeysWithValues: offeredServiceVersions().keys.map { ($0, owners(ofService: $0)) })
        for change in placementWatch.update(current) {
            let view = PlacementEventView(
                service: change.service, owners: change.owners.map { name(of: $0) }, previous: change.previous.map { name(of: $0) })
            guard let topic = try? Topic("mesh.service.\(change.kind.rawValue)"),
                  let payload = try? JSONReply.compact.encode(view)
            else { continue }
            deliverSystemEvent(topic, payload: Array(payload))
            logger.info("service \(change.service) \(change.kind.rawValue): owners \(view.owners.joined(separator: ", "))")
        }
    }
}

/// The payload of a `mesh.service.*` event: owners by name, in preference order.
struct PlacementEventView: Codable {
    let service: String
    let owners: [String]
    let previous: [String]
}
