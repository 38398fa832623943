import Hummingbird

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

    func respond(to request: Request, context: PelotonRequestContext) async throws -> Response {
        guard request.method == .post, let names = CallEndpoint.names(inPath: request.uri.path) else {
            return try await withTaskExecutorPreference(globalConcurrentExecutor) {
                try await router.respond(to: request, context: context)
            }
        }
        do {
            return try await tokenCheck.handle(request, context: context) { request, _ in
                try await answer(request, names.service, names.method)
            }
        } catch let error as any HTTPResponseError {
            // What the router does with an endpoint's error.
            return try error.response(from: request, context: context)
        }
    }
}
