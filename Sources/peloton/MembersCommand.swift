import ArgumentParser
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import PelotonNode

/// `peloton members --node URL`: the mesh as one node sees it, like `serf members`.
struct MembersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "members", abstract: "List the members a node knows, with status and address.")

    @Option(help: "The node's HTTP API, e.g. http://127.0.0.1:7980.")
    var node = "http://127.0.0.1:7980"

    @Flag(help: "Print the node's JSON answer instead of a table.")
    var json = false

    @Option(help: "A file holding the bearer token, for a node that is not on this machine.")
    var tokenFile: String?

    func run() async throws {
        let body = try await fetch(path: "/v1/members", from: node, tokenFile: tokenFile)
        if json {
            print(String(decoding: body, as: UTF8.self))
            return
        }
        let view: MembersView
        do {
            view = try JSONDecoder().decode(MembersView.self, from: body)
        } catch {
            throw ValidationError("\(node) did not answer with a member list: \(error)")
        }
        print(membersTable(view.members))
    }
}

/// A table in the style of `serf members`: name, address, status, incarnation, id, age.
func membersTable(_ members: [MemberView]) -> String {
    let header = ["NAME", "ADDRESS", "STATUS", "INCARNATION", "ID", "SINCE"]
    let rows = members.map { member in
        [member.name + (member.isLocal ? " *" : ""), member.address, member.status, String(member.incarnation),
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
