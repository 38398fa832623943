import Hummingbird

/// Puts every error an endpoint, a middleware or the router itself throws into the API's one
/// shape (`APIError`): Hummingbird's own 404 for an unknown path has an empty body, and a
/// known path asked with the wrong method becomes 405 with `Allow`.
struct OneErrorShape<Context: RequestContext>: RouterMiddleware {
    let routes: APIRoutes

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            throw routes.refined(APIError(error), for: request)
        }
    }
}
