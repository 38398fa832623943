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
    let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
    return ([header] + rows).map { row in
        row.indices.map { row[$0].padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: "  ")
            .trimmingCharacters(in: .whitespaces)
    }.joined(separator: "\n")
}

private func formatAge(_ seconds: Double) -> String {
    switch seconds {
    case ..<60: "\(Int(seconds))s"
    case ..<3600: "\(Int(seconds / 60))m"
    default: "\(Int(seconds / 3600))h"
    }
}

/// GETs `path` from a node's HTTP API, turning transport failures into operator-facing errors.
func fetch(path: String, from node: String, tokenFile: String?) async throws -> Data {
    try await send(URLRequest(url: try apiURL(node, path), timeoutInterval: 5), tokenFile: tokenFile)
}

/// POSTs `body` to `path` on a node's HTTP API.
func post(_ body: [UInt8], path: String, to node: String, tokenFile: String?) async throws -> Data {
    var request = URLRequest(url: try apiURL(node, path), timeoutInterval: 5)
    request.httpMethod = "POST"
    request.httpBody = Data(body)
    request.setValue("application/octet-stream", forHTTPHeaderField: "Content-Type")
    return try await send(request, tokenFile: tokenFile)
}

private func apiURL(_ node: String, _ path: String) throws -> URL {
    guard let url = URL(string: node.hasSuffix("/") ? String(node.dropLast()) + path : node + path), url.scheme?.hasPrefix("http") == true else {
        throw ValidationError("--node must be an http:// URL, got \(node)")
    }
    return url
}

private func send(_ request: URLRequest, tokenFile: String?) async throws -> Data {
    var request = request
    if let tokenFile {
        let token = try String(contentsOfFile: tokenFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
    }
    let url = request.url?.absoluteString ?? "?"
    let (data, response): (Data, URLResponse)
    do {
        (data, response) = try await URLSession.shared.data(for: request)
    } catch {
        throw ValidationError("cannot reach \(url): \(error.localizedDescription)")
    }
    guard let status = (response as? HTTPURLResponse)?.statusCode, status == 200 else {
        let code = (response as? HTTPURLResponse)?.statusCode ?? 0
        throw ValidationError("\(url) answered \(code): \(String(decoding: data.prefix(300), as: UTF8.self))")
    }
    return data
}
