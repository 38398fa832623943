import Hummingbird
import Tracing

/// Makes each HTTP request a server span, continuing the client's `traceparent` when it sends
/// a valid one. Named by the documented route (`POST /v1/call/{service}/{method}`), never by
/// the path, so that span names stay few.
struct RequestTracing: Sendable {
    /// The node's name, on every span.
    let node: String

    func span(for request: Request, routes: APIRoutes, _ respond: () async -> Response) async -> Response {
        let method = request.method.rawValue
        let path = request.uri.path
        let template = routes.template(forPath: path, method: method) ?? "unknown route"
        let parent = CallTracing.parent(carried: CallTracing.carried(by: request.headers)) ?? .topLevel
        return await withSpan("\(method) \(template)", context: parent, ofKind: .server) { span in
            span.attributes["peloton.node"] = node
            span.attributes["http.request.method"] = method
            span.attributes["url.path"] = path
            let response = await respond()
            span.attributes["http.response.status_code"] = Int(response.status.code)
            if response.status.code >= 500 { span.setStatus(SpanStatus(code: .error, message: response.status.reasonPhrase)) }
            return response
        }
    }
}
