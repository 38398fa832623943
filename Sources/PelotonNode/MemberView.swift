import PelotonCore
import PelotonMembership

/// One member as the HTTP API and `peloton members` show it.
public struct MemberView: Codable, Sendable, Equatable {
    public let id: String
    public let name: String
    public let address: String
    public let httpAddress: String?
    public let status: String
    public let incarnation: UInt64
    /// Seconds since this node saw the status change.
    public let statusAgeSeconds: Double
    public let isLocal: Bool
    /// Finishing its calls before it leaves: placement no longer chooses it.
    public let isDraining: Bool
}

/// `GET /v1/members`: every member this node knows, itself first, then by name.
public struct MembersView: Codable, Sendable {
    public let node: String
    public let members: [MemberView]
}

/// `GET /v1/health`.
public struct HealthView: Codable, Sendable {
    public let status: String
    public let id: String
    public let name: String
    public let aliveMembers: Int
    /// State keys this node holds.
    public let stateKeys: Int?
    /// Event subscribers connected to this node.
    public let eventSubscribers: Int?
    /// Work units running here and waiting here for a core.
    public let jobUnitsRunning: Int?
    public let jobUnitsWaiting: Int?
}

extension MeshNode {
    public func membersView() -> MembersView {
        let now = Self.now()
        let local = MemberView(
            id: id.description, name: credentials.certificate.name, address: configuration.advertise.description,
            httpAddress: configuration.httpAddress, status: membership.isLeaving ? "left" : "alive",
            incarnation: membership.incarnation, statusAgeSeconds: 0, isLocal: true, isDraining: isDraining)
        let others = membership.members.map { member in
            MemberView(
                id: member.id.description, name: membership.name(for: member.id),
                address: member.address.description, httpAddress: member.metadata.httpAddress, status: member.status.description,
                incarnation: member.incarnation, statusAgeSeconds: max(0, (now - member.statusChangedAt).secondsDouble), isLocal: false,
                isDraining: member.metadata.isDraining)
        }
        return MembersView(node: credentials.certificate.name, members: [local] + others.sorted { ($0.name, $0.id) < ($1.name, $1.id) })
    }

    public func health() async -> HealthView {
        HealthView(
            status: membership.isLeaving ? "leaving" : isDraining ? "draining" : isListening ? "ok" : "starting", id: id.description, name: credentials.certificate.name,
            aliveMembers: membership.memberIDs(withStatus: .alive).count, stateKeys: await stateReplica.keyCount,
            eventSubscribers: eventBus.subscriberCount, jobUnitsRunning: jobExecutor.runningCount, jobUnitsWaiting: jobExecutor.waiting)
    }

    /// Brings the membership gauges up to date; called when `/metrics` is scraped.
    public func refreshMetrics() {
        metrics.observe(membership)
    }
}
