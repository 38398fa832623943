import Hummingbird
import PelotonServices
import PelotonWire
import Tracing

/// Spans of a node's own work: routing, attempts, handlers, state operations and jobs. Each
/// is made only when the node records traces, so with tracing off a call pays one branch.
struct NodeTracer: Sendable {
    /// Whether a span with no parent may start a trace: a client's request may, background
    /// work (anti-entropy, timers) may not, or every node would export a trace a second.
    enum Root {
        case mayStartTrace, onlyWithinTrace
    }

    let records: Bool
    let node: String

    /// Records nothing: for an HTTP API without a node that traces (tests).
    static let off = NodeTracer(records: false, node: "")

    /// Runs `body` in a span named `name`, continuing `carried` (the sender's context) or else
    /// the current one, on the caller's isolation. `body` gets nil when no span is made.
    func span<T>(
        _ name: @autoclosure () -> String, kind: SpanKind = .internal, carried: TraceContext? = nil, root: Root = .onlyWithinTrace,
        isolation: isolated (any Actor)? = #isolation, _ body: ((any Span)?) async -> T
    ) async -> T {
        guard records else { return await body(nil) }
        let parent = CallTracing.parent(carried: carried)
        if parent == nil, root == .onlyWithinTrace { return await body(nil) }
        return await withSpan(name(), context: parent ?? .topLevel, ofKind: kind, isolation: isolation) { span in
            span.attributes["peloton.node"] = node
            return await body(span)
        }
    }
}

extension NodeTracer {
    /// Runs `respond` in a server span for an HTTP request, continuing the client's
    /// `traceparent` when it sends a valid one. Named by the documented route (`POST
    /// /v1/call/{service}/{method}`), never by the path, so that span names stay few.
    func serve(_ request: Request, routes: APIRoutes, _ respond: () async -> Response) async -> Response {
        guard records else { return await respond() }
        let method = request.method.rawValue
        let path = request.uri.path
        let template = routes.template(forPath: path, method: method) ?? "unknown route"
        return await span("\(method) \(template)", kind: .server, carried: CallTracing.carried(by: request.headers), root: .mayStartTrace) { span in
            span?.attributes["http.request.method"] = method
            span?.attributes["url.path"] = path
            let response = await respond()
            span?.attributes["http.response.status_code"] = Int(response.status.code)
            if response.status.code >= 500 { span?.setStatus(SpanStatus(code: .error, message: response.status.reasonPhrase)) }
            return response
        }
    }
}

extension MeshNode {
    /// The context a call made now carries to the next node: the current span's, when this
    /// node records traces.
    nonisolated func traceToSend() -> TraceContext? {
        tracer.records ? CallTracing.current() : nil
    }
}

extension Span {
    /// Marks the span failed with `failure`'s code and message.
    func fail(_ failure: CallFailure) {
        attributes["peloton.failure"] = "\(failure.code)"
        setStatus(SpanStatus(code: .error, message: failure.message))
    }
}
