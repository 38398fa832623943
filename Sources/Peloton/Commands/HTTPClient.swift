import ArgumentParser
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Where a command reaches a node's HTTP API, and the token a remote node needs.
struct NodeAPIOptions: ParsableArguments {
    @Option(help: "The node's HTTP API, e.g. http://127.0.0.1:7980.")
    var node = "http://127.0.0.1:7980"

    @Option(help: "A file holding the bearer token, for a node that is not on this machine.")
    var tokenFile: String?
}

/// GETs a view (`/v1/members`, `/v1/ring`) and decodes it; with `printingJSON`, prints the
/// node's answer as it came instead and returns nil.
func fetchView<View: Decodable>(_: View.Type, path: String, from api: NodeAPIOptions, printingJSON: Bool) async throws -> View? {
    let body = try await fetch(path: path, from: api.node, tokenFile: api.tokenFile)
    if printingJSON {
        print(String(decoding: body, as: UTF8.self))
        return nil
    }
    do {
        return try JSONDecoder().decode(View.self, from: body)
    } catch {
        throw ValidationError("\(api.node) did not answer \(path) as expected: \(error)")
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

func apiURL(_ node: String, _ path: String) throws -> URL {
    guard let url = URL(string: node.hasSuffix("/") ? String(node.dropLast()) + path : node + path), url.scheme?.hasPrefix("http") == true else {
        throw ValidationError("--node must be an http:// URL, got \(node)")
    }
    return url
}

private func send(_ request: URLRequest, tokenFile: String?) async throws -> Data {
    let (data, response) = try await exchange(request, tokenFile: tokenFile)
    guard response.statusCode == 200 else {
        throw ValidationError("\(request.url?.absoluteString ?? "?") answered \(response.statusCode): \(String(decoding: data.prefix(300), as: UTF8.self))")
    }
    return data
}

/// Sends `request` with the bearer token from `tokenFile` (if any); any HTTP status is an answer.
func exchange(_ request: URLRequest, tokenFile: String?) async throws -> (Data, HTTPURLResponse) {
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
    guard let http = response as? HTTPURLResponse else { throw ValidationError("\(url) did not answer over HTTP") }
    return (data, http)
}
