import PelotonServices
import PelotonWire
import Tracing

/// Spans of the node's own work: routing, attempts, handlers and state operations. Each is
/// made only when the node records traces, so with tracing off a call pays one branch.
extension MeshNode {
    /// Whether a span with no parent may start a trace: a client's request may, background
    /// work (anti-entropy, timers) may not, or every node would export a trace a second.
    enum SpanRoot {
        case mayStartTrace, onlyWithinTrace
    }

    /// Runs `body` in a span named `name`, continuing `carried` (the sender's context) or else
    /// the current one. `body` gets nil when no span is made.
    nonisolated func traced<T>(
        _ name: @autoclosure () -> String, kind: SpanKind = .internal, carried: TraceContext? = nil, root: SpanRoot = .onlyWithinTrace,
        _ body: ((any Span)?) async -> T
    ) async -> T {
        guard configuration.recordsTraces else { return await body(nil) }
        let parent = CallTracing.parent(carried: carried)
        if parent == nil, root == .onlyWithinTrace { return await body(nil) }
        return await withSpan(name(), context: parent ?? .topLevel, ofKind: kind) { span in
            span.attributes["peloton.node"] = credentials.certificate.name
            return await body(span)
        }
    }

    /// The context a call made now carries to the next node: the current span's, when this
    /// node records traces.
    nonisolated func traceToSend() -> TraceContext? {
        configuration.recordsTraces ? CallTracing.current() : nil
    }
}

extension Span {
    /// Marks the span failed with `failure`'s code and message.
    func fail(_ failure: CallFailure) {
        attributes["peloton.failure"] = "\(failure.code)"
        setStatus(SpanStatus(code: .error, message: failure.message))
    }
}
