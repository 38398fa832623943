import ArgumentParser
import Foundation
import PelotonNode

/// `peloton status`: the mesh on one screen, as one node sees it.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Summarise the mesh as a node sees it: members, ring, services, state and recent events.")

    @OptionGroup var api: NodeAPIOptions

    func run() async throws {
        guard let health = try await fetchView(HealthView.self, path: "/v1/health", from: api, printingJSON: false),
              let members = try await fetchView(MembersView.self, path: "/v1/members", from: api, printingJSON: false),
              let ring = try await fetchView(RingView.self, path: "/v1/ring", from: api, printingJSON: false),
              let events = try await fetchView([EventView].self, path: "/v1/events?limit=5", from: api, printingJSON: false)
        else { return }
        let counts = Dictionary(grouping: members.members, by: \.status).mapValues(\.count)
        print("\(health.name) (\(health.id.prefix(8))) is \(health.status); it sees \(counts["alive", default: 0]) alive, "
              + "\(counts["suspect", default: 0]) suspect, \(counts["dead", default: 0]) dead, \(counts["left", default: 0]) left")
        print("ring \(ring.checksum) over \(ring.members.count) members, \(ring.virtualNodes) points each")
        if ring.services.isEmpty {
            print("services: none offered")
        } else {
            print("services:")
            for service in ring.services {
                print("  \(service.name) \(service.versions.joined(separator: ",")) ×\(service.replicas) on \(service.owners.joined(separator: ", "))")
            }
        }
        print("state: \(health.stateKeys.map(String.init) ?? "?") keys held here; events: \(health.eventSubscribers.map(String.init) ?? "?") subscribers here")
        if !events.isEmpty {
            print("latest events delivered here:")
            let now = Date().timeIntervalSince1970 * 1000
            for event in events.reversed() {
                let age = max(0, (now - Double(event.publishedAt)) / 1000)
                print("  \(event.topic)  \(age < 60 ? "\(Int(age))s" : "\(Int(age / 60))m") ago  \((event.payload ?? "(binary)").prefix(60))")
            }
        }
    }
}
