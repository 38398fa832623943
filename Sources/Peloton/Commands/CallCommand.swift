import ArgumentParser
import Foundation
import PelotonNode
import PelotonServices
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `peloton call SERVICE METHOD --json '{...}'`: calls a service through any node, which routes
/// the call to the service's owners.
struct CallCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "call",
        abstract: "Call a service method through any node.",
        discussion: """
            peloton call echo upper --json '{"text":"hello"}'
            peloton call counter increment --key apples --json '{"by":3}' --format text
            peloton call echo upper --json '{"text":"hello"}' --stream 127.0.0.1:7946 --credentials data/client-1
            """
    )

    @Argument(help: "The service's name.")
    var service: String

    @Argument(help: "The method's name.")
    var method: String

    @Option(help: "The request as JSON.")
    var json = "{}"

    @Option(help: "The key of a keyed call: it decides which owners answer.")
    var key: String?

    @Option(help: "The reply's format: json, text or html, or a media type the method offers.")
    var format = "json"

    @Option(help: "How long the call may take, in milliseconds.")
    var timeoutMs = 5_000

    @OptionGroup var api: NodeAPIOptions

    @Option(help: "Call over the native stream protocol to this node's gossip address (HOST:PORT) instead of HTTP.")
    var stream: String?

    @Option(help: "With --stream: a data directory with this client's key, certificate and authority.pub (from `peloton keygen --node NAME`).")
    var credentials: String?

    @Flag(help: "Also print which owner answered and after how many attempts (to standard error).")
    var verbose = false

    func validate() throws {
        guard (try? JSONSerialization.jsonObject(with: Data(json.utf8), options: [.fragmentsAllowed])) != nil else {
            throw ValidationError("--json is not valid JSON: \(json)")
        }
        let maxTimeout = Int(CallRequest.maxBudgetMilliseconds)
        guard (1...maxTimeout).contains(timeoutMs) else { throw ValidationError("--timeout-ms must be 1 to \(maxTimeout)") }
        if (stream == nil) != (credentials == nil) { throw ValidationError("--stream and --credentials go together") }
    }

    func run() async throws {
        if let stream, let credentials {
            try await callOverStream(stream, credentials: credentials)
            return
        }
        var components = URLComponents()
        components.queryItems = [URLQueryItem(name: "timeout_ms", value: String(timeoutMs))] + (key.map { [URLQueryItem(name: "key", value: $0)] } ?? [])
        let path = "/v1/call/\(escapePathSegment(service))/\(escapePathSegment(method))?\(components.percentEncodedQuery ?? "")"
        var request = URLRequest(url: try apiURL(api.node, path), timeoutInterval: Double(timeoutMs) / 1000 + 5)
        request.httpMethod = "POST"
        request.httpBody = Data(json.utf8)
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue(mediaType, forHTTPHeaderField: "Accept")
        let (body, response) = try await exchange(request, tokenFile: api.tokenFile)
        if verbose {
            let owner = response.value(forHTTPHeaderField: "X-Peloton-Served-By").map { String($0.prefix(8)) } ?? "none"
            let attempts = response.value(forHTTPHeaderField: "X-Peloton-Attempts") ?? "?"
            FileHandle.standardError.write(Data("served by \(owner) after \(attempts) attempt(s), status \(response.statusCode)\n".utf8))
        }
        let text = String(decoding: body, as: UTF8.self)
        guard response.statusCode == 200 else {
            throw CallFailed("the call failed (\(response.statusCode)): \(text)")
        }
        printReply(body)
    }

    /// `--format` as a media type: the short names, or the type itself.
    private var mediaType: String { MediaType.forSuffix(format) ?? format }

    /// A reply as it came, without doubling its final newline.
    private func printReply(_ body: some Sequence<UInt8>) {
        let text = String(decoding: Array(body), as: UTF8.self)
        print(text.hasSuffix("\n") ? String(text.dropLast()) : text)
    }
}

extension CallCommand {
    /// The same call through `PelotonClient`: a sealed stream, authenticated by certificate.
    private func callOverStream(_ address: String, credentials directory: String) async throws {
        let client = PelotonClient(node: try parseAddress(address, option: "--stream"), credentials: try NodeCredentials.load(from: NodeFiles(dataDirectory: directory)))
        defer { client.close() }
        let reply: CallReply
        do {
            reply = try await client.send(CallRequest(
                service: service, method: method, key: key, body: Array(json.utf8), formats: [mediaType], budgetMilliseconds: UInt32(timeoutMs)))
        } catch {
            throw CallFailed("cannot call through \(address): \(error)")
        }
        switch reply.outcome {
        case let .success(rendered):
            printReply(rendered.body)
        case let .failure(failure):
            throw CallFailed("the call failed (\(failure.status) \(failure.code)): \(failure.message)")
        }
    }
}

private func escapePathSegment(_ segment: String) -> String {
    segment.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-_."))) ?? segment
}

/// A call that reached the mesh and failed: the message, without the usage text a
/// `ValidationError` would add.
struct CallFailed: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
