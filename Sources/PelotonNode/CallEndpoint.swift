import Foundation
import Hummingbird
import NIOCore
import PelotonServices

/// `POST /v1/call/{service}/{method}[.json|.txt|.html]`: any node takes the call and routes it
/// to the service's owners. The body is the request as JSON; `?key=` places a keyed call;
/// `?timeout_ms=` sets the deadline (5 s unless given); `X-Request-Id` (32 hex digits) makes a
/// client's own retries safe, since owners run each id once; `?version=1.2.0` asks only owners
/// offering that version, `?version=newest` asks the newest first. The reply comes back in the
/// format the suffix or `Accept` asks for.
enum CallEndpoint {
    static let defaultTimeoutMilliseconds: UInt32 = 5_000

    static func register(on router: Router<PelotonRequestContext>, node: MeshNode) {
        // `CallsBeforeRouter` answers these paths first; the router keeps the route so that
        // the API is whole without it.
        router.post("/v1/call/:service/:method") { request, context in
            try await answer(request, service: context.parameters.require("service"), method: context.parameters.require("method"), node: node)
        }
    }

    /// The service and method of a path `/v1/call/{service}/{method}`; nil for any other.
    static func names(inPath path: String) -> (service: Substring, method: Substring)? {
        let prefix = "/v1/call/"
        guard path.hasPrefix(prefix) else { return nil }
        let rest = path.utf8.dropFirst(prefix.utf8.count)
        guard let slash = rest.firstIndex(of: UInt8(ascii: "/")) else { return nil }
        let service = Substring(rest[..<slash])
        let method = Substring(rest[rest.index(after: slash)...])
        guard !service.isEmpty, !method.isEmpty, !method.utf8.contains(UInt8(ascii: "/")) else { return nil }
        return (service, method)
    }

    /// Routes the call and renders its reply.
    static func answer(_ request: Request, service: some StringProtocol, method: some StringProtocol, node: MeshNode) async throws -> Response {
        let query = try StrictURI.query(of: request)
        let call = try await parse(
            request, query: query, service: StrictURI.decode(service, what: "the service name"), method: StrictURI.decode(method, what: "the method name"))
        let versions = VersionRule(query: query["version"])
        let routed = await node.route(call, versions: versions)
        return response(for: routed, node: node)
    }

    static func parse(_ request: Request, query: [String: String], service: String, method: String) async throws -> CallRequest {
        var method = method
        var formats = MediaType.accepted(by: request.headers[.accept])
        if let dot = method.lastIndex(of: "."), let type = MediaType.forSuffix(String(method[method.index(after: dot)...])) {
            method = String(method[..<dot])
            formats = [type]
        }
        guard service.utf8.count <= CallRequest.maxNameBytes, method.utf8.count <= CallRequest.maxNameBytes, !method.isEmpty else {
            throw APIError(.badRequest, .badRequest, "service and method names are at most \(CallRequest.maxNameBytes) bytes")
        }
        guard !ServiceDefinition.isReserved(service) else {
            throw APIError(
                .notFound, .noSuchService,
                "\(service) is not a service: names starting with \(ServiceDefinition.reservedPrefix) are the mesh's own; state is at /v1/state, jobs at /v1/jobs")
        }
        let key = query["key"]
        if let key, key.utf8.count > CallRequest.maxKeyBytes {
            throw APIError(.badRequest, .badRequest, "key is longer than \(CallRequest.maxKeyBytes) bytes")
        }
        let timeout = try JSONReply.timeoutMilliseconds(query)
        let id = try JSONReply.requestID(of: request)
        let body = try await JSONReply.body(
            of: request, atMost: CallRequest.maxBodyBytes, tooLarge: "the request body is larger than \(CallRequest.maxBodyBytes) bytes")
        return CallRequest(
            id: id, service: service, method: method, key: key, body: Array(body.readableBytesView), formats: formats,
            budgetMilliseconds: timeout)
    }

    static func response(for routed: RoutedReply, node: MeshNode) -> Response {
        var headers: HTTPFields = [.requestID: routed.reply.id.description, .pelotonAttempts: String(routed.attempts)]
        if let owner = routed.servedBy { headers[.pelotonServedBy] = owner.description }
        switch routed.reply.outcome {
        case let .success(reply):
            headers[.contentType] = reply.contentType
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: reply.body)))
        case let .failure(failure):
            return JSONReply.failure(failure, headers: headers)
        }
    }
}

extension HTTPFields.Element.Name {
    // Valid header names written out here; the initialiser only fails on invalid characters.
    static let requestID = Self("X-Request-Id")!
    static let pelotonAttempts = Self("X-Peloton-Attempts")!
    static let pelotonServedBy = Self("X-Peloton-Served-By")!
}
