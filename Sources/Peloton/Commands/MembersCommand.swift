import ArgumentParser
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import PelotonNode

/// `peloton members --node URL`: the mesh as one node sees it, like `serf members`.
struct MembersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "members", abstract: "List the members a node knows, with status and address.")

    @OptionGroup var api: NodeAPIOptions

    @Flag(help: "Print the node's JSON answer instead of a table.")
    var json = false

    func run() async throws {
        guard let view = try await fetchView(MembersView.self, path: "/v1/members", from: api, printingJSON: json) else { return }
        print(membersTable(view.members))
    }
}

/// A table in the style of `serf members`: name, address, status, incarnation, id, age.
func membersTable(_ members: [MemberView]) -> String {
    let header = ["NAME", "ADDRESS", "STATUS", "INCARNATION", "ID", "SINCE"]
    let rows = members.map { member in
        [member.name + (member.isLocal ? " *" : ""), member.address, member.status + (member.isDraining ? " (draining)" : ""), String(member.incarnation),
         String(member.id.prefix(8)), member.isLocal ? "-" : formatAge(member.statusAgeSeconds)]
    }
    return table(header, rows)
}

private func formatAge(_ seconds: Double) -> String {
    switch seconds {
    case ..<60: "\(Int(seconds))s"
    case ..<3600: "\(Int(seconds / 60))m"
    default: "\(Int(seconds / 3600))h"
    }
}
