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
        router.post("/v1/call/:service/:method") { request, context in
            let call = try await parse(request, context: context)
            let versions = VersionRule(query: request.uri.queryParameters.get("version").map { String($0) })
            let routed = await node.route(call, versions: versions)
            return response(for: routed, node: node)
        }
    }

    static func parse(_ request: Request, context: PelotonRequestContext) async throws -> CallRequest {
        let service = try context.parameters.require("service")
        var method = try context.parameters.require("method")
        var formats = MediaType.accepted(by: request.headers[.accept])
        if let dot = method.lastIndex(of: "."), let type = MediaType.forSuffix(String(method[method.index(after: dot)...])) {
            method = String(method[..<dot])
            formats = [type]
        }
        guard service.utf8.count <= CallRequest.maxNameBytes, method.utf8.count <= CallRequest.maxNameBytes, !method.isEmpty else {
            throw HTTPError(.badRequest, message: "service and method names are at most \(CallRequest.maxNameBytes) bytes")
        }
        let query = request.uri.queryParameters
        let key = query.get("key").map { String($0) }
        if let key, key.utf8.count > CallRequest.maxKeyBytes {
            throw HTTPError(.badRequest, message: "key is longer than \(CallRequest.maxKeyBytes) bytes")
        }
        let timeout = try JSONReply.timeoutMilliseconds(of: request)
        var id = RequestID.random()
        if let given = request.headers[.requestID] {
            guard let parsed = RequestID(hex: given) else {
                throw HTTPError(.badRequest, message: "X-Request-Id must be 32 hex digits")
            }
            id = parsed
        }
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

/// The body of a failed call.
public struct CallErrorView: Codable, Sendable {
    public let error: String
    public let message: String
}

extension HTTPFields.Element.Name {
    // Valid header names written out here; the initialiser only fails on invalid characters.
    static let requestID = Self("X-Request-Id")!
    static let pelotonAttempts = Self("X-Peloton-Attempts")!
    static let pelotonServedBy = Self("X-Peloton-Served-By")!
}
