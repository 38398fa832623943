import ArgumentParser
import Foundation
import PelotonNode

/// `peloton ring`: a node's placement view, with the checksum to compare across nodes.
struct RingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ring", abstract: "Show a node's placement ring: members' shares and service owners.")

    @OptionGroup var api: NodeAPIOptions

    @Flag(help: "Print the node's JSON answer instead of tables.")
    var json = false

    func run() async throws {
        guard let view = try await fetchView(RingView.self, path: "/v1/ring", from: api, printingJSON: json) else { return }
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
