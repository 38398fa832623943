import Foundation
import PelotonCrypto
import PelotonEvents
import PelotonMembership
import PelotonPlacement
import PelotonState

/// What the dashboard shows, as one node sees the mesh: values already formatted for a person,
/// so the template only places them. Built fresh for every page and refresh.
struct DashboardView: Sendable {
    struct Member: Sendable {
        let name: String
        let id: String
        let shortID: String
        let status: String
        let incarnation: UInt64
        let address: String
        /// The member's own dashboard, when it announced an HTTP address.
        let dashboardURL: String?
        let httpAddress: String?
        /// How long it has been in this status, as "12s", "4m" or "3h".
        let age: String
        let sharePercent: String
        let color: String
        let isLocal: Bool
        let isDraining: Bool
        /// Services whose unkeyed calls it answers first, and those it is a replica of.
        let primaryOf: [String]
        let replicaOf: [String]
        /// Of the state keys held here, how many it owns.
        let keysOwned: Int
    }

    struct RingSlice: Sendable {
        let name: String
        let sharePercent: String
        /// The share as a CSS width, never below a sliver so every member stays visible.
        let width: String
        let color: String
    }

    struct Service: Sendable {
        let name: String
        let versions: String
        let replicas: Int
        let owners: [Owner]
        let routedPerSecond: String
        let servedPerSecond: String
    }

    struct Owner: Sendable {
        let name: String
        let isFirst: Bool
    }

    struct StateKeyRow: Sendable {
        let kind: String
        let name: String
        let value: String
        let owners: String
    }

    struct JobRow: Sendable {
        let id: String
        let shortID: String
        let name: String
        let status: String
        let percent: String
        let units: String
        /// The result, or why it failed, shortened.
        let outcome: String
    }

    struct Event: Sendable {
        let time: String
        let topic: String
        let origin: String
        let payload: String
    }

    let node: String
    let nodeID: String
    let status: String
    let alive: Int
    let suspect: Int
    let dead: Int
    let left: Int
    let checksum: String
    let virtualNodes: Int
    let members: [Member]
    let ring: [RingSlice]
    let services: [Service]
    let stateKeys: [StateKeyRow]
    let stateKeyCount: Int
    /// Set when more keys are held than the page lists.
    let stateKeysNotShown: Int?
    let events: [Event]
    let jobs: [JobRow]
    /// The last fifteen minutes as inline SVG charts (`NodeMetrics.charts`).
    let charts: [String]
    let updatedAt: String

    // What the template's sections test: Mustache has no "is this list empty", and it reads
    // stored properties only (through Mirror), so these are stored too.
    let hasServices: Bool
    let serviceCount: Int
    let hasStateKeys: Bool
    let hasEvents: Bool
    let hasJobs: Bool

    static let maxStateKeys = 100
    static let maxEvents = 50
    static let maxJobs = 10
    static let maxPreviewCharacters = 96
}

extension DashboardView {
    /// "12s", "4m", "3h", "2d": an age at a glance.
    static func age(seconds: Double) -> String {
        let whole = Int(max(0, seconds))
        switch whole {
        case ..<60: return "\(whole)s"
        case ..<3_600: return "\(whole / 60)m"
        case ..<86_400: return "\(whole / 3_600)h"
        default: return "\(whole / 86_400)d"
        }
    }

    /// A stable colour per position: golden-angle hues keep neighbours apart.
    static func color(_ index: Int) -> String {
        "hsl(\((index * 137 + 200) % 360), 62%, 52%)"
    }

    static func percent(_ share: Double) -> String {
        String(format: "%.1f%%", share * 100)
    }

    static func rate(_ perSecond: Double) -> String {
        perSecond == 0 ? "0" : perSecond < 10 ? String(format: "%.1f", perSecond) : String(format: "%.0f", perSecond)
    }

    /// At most `maxPreviewCharacters` of `text`, marked when cut.
    static func preview(_ text: String) -> String {
        text.count <= maxPreviewCharacters ? text : String(text.prefix(maxPreviewCharacters - 1)) + "…"
    }

    /// "HH:MM:SS UTC": arithmetic rather than a formatter made for each of a page's 50 events.
    static func clock(millisecondsSince1970: UInt64) -> String {
        let seconds = Int(millisecondsSince1970 / 1000 % 86_400)
        return String(format: "%02d:%02d:%02d UTC", seconds / 3_600, seconds / 60 % 60, seconds % 60)
    }
}

extension MeshNode {
    /// The dashboard's view of the mesh from this node.
    func dashboardView() async -> DashboardView {
        let members = membersView()
        let ring = ringView()
        let index = Dictionary(ring.members.enumerated().map { ($0.element.name, $0.offset) }, uniquingKeysWith: { first, _ in first })
        let shares = Dictionary(ring.members.map { ($0.name, $0.share) }, uniquingKeysWith: { first, _ in first })
        var primaryOf: [String: [String]] = [:]
        var replicaOf: [String: [String]] = [:]
        for service in ring.services {
            for (position, owner) in service.owners.enumerated() {
                if position == 0 { primaryOf[owner, default: []].append(service.name) } else { replicaOf[owner, default: []].append(service.name) }
            }
        }
        // Keys the mesh keeps for itself (job records, the job index) are not the user's state.
        let (held, stateKeyCount) = await stateReplica.preview(limit: DashboardView.maxStateKeys) { !$0.name.hasPrefix("peloton.") }
        let stateRing = serviceRing(StateKey.placementService)
        var keysOwned: [String: Int] = [:]
        let stateRows = held.map { key, value in
            let owners = stateRing.ring.owners(of: key.placementKey, count: stateRing.replicas).map { name(of: $0) }
            for owner in owners { keysOwned[owner, default: 0] += 1 }
            let json = (try? JSONReply.compact.encode(value.json)).map { String(decoding: $0, as: UTF8.self) } ?? "?"
            return DashboardView.StateKeyRow(
                kind: key.kind.name, name: key.name, value: DashboardView.preview(json), owners: owners.joined(separator: ", "))
        }
        let rates = metrics.callRates()
        let services = ring.services.map { service in
            DashboardView.Service(
                name: service.name, versions: service.versions.joined(separator: ", "), replicas: service.replicas,
                owners: service.owners.enumerated().map { DashboardView.Owner(name: $0.element, isFirst: $0.offset == 0) },
                routedPerSecond: DashboardView.rate(rates[service.name]?.routed ?? 0),
                servedPerSecond: DashboardView.rate(rates[service.name]?.served ?? 0))
        }
        let memberRows = members.members.map { member in
            DashboardView.Member(
                name: member.name, id: member.id, shortID: String(member.id.prefix(8)), status: member.status,
                incarnation: member.incarnation, address: member.address,
                dashboardURL: member.httpAddress.map { "http://\($0)/" }, httpAddress: member.httpAddress,
                age: member.isLocal ? "—" : DashboardView.age(seconds: member.statusAgeSeconds),
                sharePercent: shares[member.name].map(DashboardView.percent) ?? "—",
                color: index[member.name].map(DashboardView.color) ?? "transparent", isLocal: member.isLocal, isDraining: member.isDraining,
                primaryOf: primaryOf[member.name] ?? [], replicaOf: replicaOf[member.name] ?? [], keysOwned: keysOwned[member.name] ?? 0)
        }
        let counts = Dictionary(grouping: members.members, by: \.status).mapValues(\.count)
        let slices = ring.members.enumerated().map { position, member in
            DashboardView.RingSlice(
                name: member.name, sharePercent: DashboardView.percent(member.share),
                width: String(format: "%.2f%%", max(member.share * 100, 0.5)), color: DashboardView.color(position))
        }
        let events = recentEvents(matching: .everything, limit: DashboardView.maxEvents).reversed().map { event in
            let shown = view(of: event)
            return DashboardView.Event(
                time: DashboardView.clock(millisecondsSince1970: event.publishedAtMilliseconds), topic: shown.topic,
                origin: shown.originName ?? String(shown.origin.prefix(8)), payload: DashboardView.preview(shown.payload ?? "(binary)"))
        }
        let jobs = ((try? await jobList()) ?? []).prefix(DashboardView.maxJobs).map { record in
            DashboardView.JobRow(
                id: record.id, shortID: String(record.id.prefix(8)), name: record.name, status: record.status.rawValue,
                percent: String(format: "%.0f%%", record.progressPercent),
                units: "\(record.unitsDone)/\(record.units.count)",
                outcome: DashboardView.preview(record.error ?? record.result ?? ""))
        }
        return DashboardView(
            node: members.node, nodeID: String(id.description.prefix(8)), status: membership.isLeaving ? "leaving" : "alive",
            alive: counts["alive", default: 0], suspect: counts["suspect", default: 0], dead: counts["dead", default: 0],
            left: counts["left", default: 0], checksum: ring.checksum, virtualNodes: ring.virtualNodes, members: memberRows,
            ring: slices, services: services, stateKeys: stateRows, stateKeyCount: stateKeyCount,
            stateKeysNotShown: stateKeyCount > held.count ? stateKeyCount - held.count : nil, events: events, jobs: jobs, charts: metrics.charts(),
            updatedAt: DashboardView.clock(millisecondsSince1970: Self.wallClockMilliseconds()),
            hasServices: !services.isEmpty, serviceCount: services.count, hasStateKeys: !stateRows.isEmpty, hasEvents: !events.isEmpty, hasJobs: !jobs.isEmpty)
    }
}
