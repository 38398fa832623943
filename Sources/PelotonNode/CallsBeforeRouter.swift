import Hummingbird
import PelotonServices

/// Calls are the API's hot path, taken by the thousand a second. Hummingbird's router spent a
/// few percent of a forwarded call's CPU resolving the path in its trie and naming the
/// endpoint, so this responder takes `POST /v1/call/{service}/{method}` before the router,
/// through the same token check, and hands every other request to the router.
///
/// Calls are answered on the connection's event loop (`ConnectionsOnTheirLoops`); every other
/// request goes to the router on the shared pool, since some of them compute (the dashboard,
/// metrics) or wait on the disk (state).
struct CallsBeforeRouter<Router: HTTPResponder<PelotonRequestContext>>: HTTPResponder {
    let tokenCheck: RemoteClientsNeedToken<PelotonRequestContext>
    let router: Router
    /// Answers a call to a service's method: `CallEndpoint.answer`.
    let answer: @Sendable (Request, _ service: Substring, _ method: Substring) async throws -> Response
    /// The node's progress in stopping (`ShutdownPhase`); running unless given.
    var shutdown = ShutdownState()
    /// The API's paths and methods, to tell a wrong method (405) from an unknown path (404).
    var routes = APIRoutes.documented

    /// When the node records traces, each request is a server span.
    var tracer = NodeTracer.off

    func respond(to request: Request, context: PelotonRequestContext) async throws -> Response {
        await tracer.serve(request, routes: routes) { await respondInOneShape(to: request, context: context) }
    }

    private func respondInOneShape(to request: Request, context: PelotonRequestContext) async -> Response {
        do {
            return try await respondInPhase(to: request, context: context)
        } catch {
            // Every error leaves in the API's one shape, the router's own 404s included.
            return routes.refined(APIError(error), for: request).response()
        }
    }

    private func respondInPhase(to request: Request, context: PelotonRequestContext) async throws -> Response {
        switch shutdown.current {
        case .running:
            return try await respondNormally(to: request, context: context)
        case .draining:
            var response = try await respondNormally(to: request, context: context)
            response.headers[.connection] = "close"
            return response
        case .left:
            // Health and metrics still answer, so a balancer or a scraper sees why.
            if request.method == .get, request.uri.path == "/v1/health" || request.uri.path == "/metrics" {
                var response = try await respondNormally(to: request, context: context)
                response.headers[.connection] = "close"
                return response
            }
            var response = APIError(
                .serviceUnavailable, .unavailable, "this node has left the mesh and is stopping; nothing of this request ran: send it to another node"
            ).response()
            response.headers[.connection] = "close"
            response.headers[.retryAfter] = "1"
            return response
        }
    }

    private func respondNormally(to request: Request, context: PelotonRequestContext) async throws -> Response {
        guard request.method == .post, let names = CallEndpoint.names(inPath: request.uri.path) else {
            // The router would skip an empty segment, so `/v1/state/counter//x` would be a
            // second spelling of key `x`.
            if request.uri.path.contains("//") {
                throw APIError(.notFound, .notFound, "no such endpoint: a path has no empty segments")
            }
            return try await withTaskExecutorPreference(globalConcurrentExecutor) {
                try await router.respond(to: request, context: context)
            }
        }
        return try await tokenCheck.handle(request, context: context) { request, _ in
            try await answer(request, names.service, names.method)
        }
    }
}
