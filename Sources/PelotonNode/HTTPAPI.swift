import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import PelotonCrypto
import PelotonWire

/// The request context: Hummingbird's core storage plus the peer's address, which decides
/// whether a request counts as local.
public struct PelotonRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}

/// Every node's HTTP API: `GET /v1/members`, `GET /v1/health`, `GET /v1/ring`, `GET /metrics`,
/// `POST /v1/call/{service}/{method}` (`CallEndpoint`), `/v1/state/...` (`StateEndpoint`), `/v1/events/...` (`EventEndpoint`), and `POST /v1/revocations` (a
/// revocation signed by the authority, as `peloton revoke` makes).
public enum HTTPAPI {
    /// Where the API listens and who may use it.
    public struct Configuration: Sendable {
        public var host: String
        public var port: Int
        /// Required from every client that does not connect over loopback.
        public var bearerToken: String?
        /// Timeouts, sizes and connection caps (`HTTPLimits`).
        public var limits: HTTPLimits

        public init(host: String, port: Int, bearerToken: String?, limits: HTTPLimits = HTTPLimits()) throws {
            let loopback = host == "127.0.0.1" || host == "::1" || host == "localhost"
            if !loopback && bearerToken == nil {
                throw NodeSetupError("the HTTP API on \(host) would be open to the network: give --http-token-file FILE, or bind it to 127.0.0.1")
            }
            self.host = host
            self.port = port
            self.bearerToken = bearerToken
            self.limits = limits
        }
    }

    public static func application(for node: MeshNode, configuration: Configuration, logger: Logger) -> some ApplicationProtocol {
        let router = Router(context: PelotonRequestContext.self)
        let tokenCheck = RemoteClientsNeedToken<PelotonRequestContext>(token: configuration.bearerToken)
        router.add(middleware: OneErrorShape(routes: APIRoutes.documented))
        router.add(middleware: tokenCheck)
        router.get("/v1/health") { _, _ in
            // 503 until the gossip sockets are bound, so "healthy" means "can be joined"; and
            // again once draining or leaving, so a load balancer stops sending clients here.
            let health = await node.health()
            return try JSONReply.response(health, status: health.status == "ok" ? .ok : .serviceUnavailable)
        }
        router.get("/v1/members") { _, _ in
            try JSONReply.response(await node.membersView())
        }
        router.get("/v1/ring") { _, _ in
            try JSONReply.response(await node.ringView())
        }
        router.post("/v1/revocations") { request, _ in
            let body = try await JSONReply.body(of: request, atMost: 4096, tooLarge: "a revocation is at most 4096 bytes")
            let revocation: Revocation
            do {
                revocation = try Revocation(wireBytes: Array(body.readableBytesView))
            } catch {
                throw APIError(.badRequest, .badRequest, "the body must be one revocation as `peloton revoke` writes it: \(error)")
            }
            do {
                try revocation.verify(authority: node.credentials.authority)
            } catch {
                throw APIError(.forbidden, .forbidden, "revocation refused: \(error)")
            }
            let isNew = await node.learn(revocation)
            return try JSONReply.response(RevocationView(node: revocation.node.description, isNew: isNew))
        }
        router.post("/v1/drain") { _, _ in
            // Answered before the drain starts: the node stops once it is done.
            node.requestDrain()
            return try JSONReply.response(DrainView(node: node.credentials.certificate.name, status: "draining"), status: .accepted)
        }
        CallEndpoint.register(on: router, node: node)
        StateEndpoint.register(on: router, node: node)
        EventEndpoint.register(on: router, node: node)
        JobEndpoint.register(on: router, node: node)
        DashboardEndpoint.register(on: router, node: node)
        router.get("/openapi.json") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.json)))
        }
        router.get("/metrics") { _, _ in
            await node.refreshMetrics()
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: node.metrics.render())))
        }
        return Application(
            responder: CallsBeforeRouter(
                tokenCheck: tokenCheck, router: router.buildResponder(),
                answer: { request, service, method in try await CallEndpoint.answer(request, service: service, method: method, node: node) },
                shutdown: node.shutdown,
                tracer: node.tracer),
            server: .http1WebSocketUpgradeOnConnectionLoops(
                webSocketResponder: EventWebSocket.router(node: node, token: configuration.bearerToken).buildResponder(),
                limits: configuration.limits, metrics: node.metrics),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "peloton"), logger: logger)
    }
}

/// The answer to `POST /v1/drain`.
public struct DrainView: Codable, Sendable {
    public let node: String
    public let status: String
}

/// The answer to `POST /v1/revocations`.
public struct RevocationView: Codable, Sendable {
    public let node: String
    /// False when this node already knew the revocation.
    public let isNew: Bool
}

/// Loopback clients are trusted like the machine's own users; anyone else shows the token. The
/// HTTP routes and WebSocket upgrades each have their own context, hence generic.
struct RemoteClientsNeedToken<Context: RequestContext & RemoteAddressRequestContext>: RouterMiddleware {
    let token: String?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        // Without a token the API listens on loopback only: nothing to check, and no address
        // to format for every request.
        guard let token else { return try await next(request, context) }
        guard TokenPolicy.admits(clientIP: context.remoteAddress?.ipAddress, authorization: request.headers[.authorization], token: token) else {
            throw APIError(.unauthorized, .unauthorized, "this node needs \"Authorization: Bearer TOKEN\" from remote clients")
        }
        return try await next(request, context)
    }
}

enum TokenPolicy {
    /// The policy on its own: no token configured means the API is on loopback only (the
    /// configuration refuses anything else); with one, loopback passes and others must match.
    static func admits(clientIP: String?, authorization: String?, token: String?) -> Bool {
        guard let token else { return true }
        if let clientIP, clientIP.hasPrefix("127.") || clientIP == "::1" { return true }
        return constantTimeEqual(Array((authorization ?? "").utf8), Array("Bearer \(token)".utf8))
    }
}
