import PelotonCrypto
import PelotonMembership
import PelotonPlacement

/// `GET /v1/ring`: this node's placement view. Two nodes with the same checksum place every
/// key alike.
public struct RingView: Codable, Sendable {
    public struct Member: Codable, Sendable {
        public let id: String
        public let name: String
        /// The fraction of the ring this member owns as primary.
        public let share: Double
    }

    public struct Service: Codable, Sendable {
        public let name: String
        public let versions: [String]
        public let replicas: Int
        /// The owners of the service's unkeyed calls, in preference order.
        public let owners: [String]
    }

    public let node: String
    public let checksum: String
    public let virtualNodes: Int
    public let members: [Member]
    public let services: [Service]
}

extension MeshNode {
    public func ringView() -> RingView {
        let ring = meshRing()
        let shares = ring.primaryShares()
        let members = ring.members.map { RingView.Member(id: $0.description, name: name(of: $0), share: shares[$0] ?? 0) }
        let versions = offeredServiceVersions()
        let serviceViews = versions.keys.sorted().map { service in
            RingView.Service(
                name: service, versions: versions[service, default: []].sorted(), replicas: serviceRing(service).replicas,
                owners: owners(ofService: service).map { name(of: $0) })
        }
        return RingView(
            node: credentials.certificate.name, checksum: String(ring.checksum, radix: 16), virtualNodes: ring.virtualNodes,
            members: members.sorted { ($0.name, $0.id) < ($1.name, $1.id) }, services: serviceViews)
    }

    func name(of member: NodeID) -> String {
        member == id ? credentials.certificate.name : membership.name(for: member)
    }
}
