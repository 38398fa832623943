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
