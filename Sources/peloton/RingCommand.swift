import ArgumentParser
import Foundation
import PelotonNode

/// `peloton ring`: a node's placement view, with the checksum to compare across nodes.
struct RingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ring", abstract: "Show a node's placement ring: members' shares and service owners.")

    @Option(help: "The node's HTTP API, e.g. http://127.0.0.1:7980.")
    var node = "http://127.0.0.1:7980"

    @Flag(help: "Print the node's JSON answer instead of tables.")
    var json = false

    @Option(help: "A file holding the bearer token, for a node that is not on this machine.")
    var tokenFile: String?

    func run() async throws {
        let body = try await fetch(path: "/v1/ring", from: node, tokenFile: tokenFile)
        if json {
            print(String(decoding: body, as: UTF8.self))
            return
        }
        let view: RingView
        do {
            view = try JSONDecoder().decode(RingView.self, from: body)
        } catch {
            throw ValidationError("\(node) did not answer with a ring: \(error)")
        }
        print("ring \(view.checksum) as \(view.node) sees it, \(view.virtualNodes) points per member\n")
        print(table(["MEMBER", "ID", "SHARE"], view.members.map { [$0.name, String($0.id.prefix(8)), String(format: "%.1f%%", $0.share * 100)] }))
        if !view.services.isEmpty {
            print("")
            print(table(["SERVICE", "VERSIONS", "REPLICAS", "OWNERS (UNKEYED CALLS)"], view.services.map {
                [$0.name, $0.versions.joined(separator: ","), String($0.replicas), $0.owners.joined(separator: ", ")]
            }))
        }
    }
}

/// Left-aligned columns separated by two spaces.
func table(_ header: [String], _ rows: [[String]]) -> String {
    let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
    return ([header] + rows).map { row in
        row.indices.map { row[$0].padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: "  ")
            .trimmingCharacters(in: .whitespaces)
    }.joined(separator: "\n")
}
