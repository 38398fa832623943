import Hummingbird
import PelotonWire
import Tracing

/// Moves a trace between the tracer (which knows the current span) and the `TraceContext` a
/// call carries to the next node, through the tracer's own W3C propagation.
enum CallTracing {
    /// The context a span continues: the sender's when the call carries one, else the current
    /// task's. Nil when there is neither.
    static func parent(carried trace: TraceContext?) -> ServiceContext? {
        guard let trace else { return ServiceContext.current }
        var context = ServiceContext.topLevel
        InstrumentationSystem.instrument.extract(TraceCarrier(trace), into: &context, using: TraceCarrier.Extracting())
        return context
    }

    /// The current span, as a call carries it on.
    static func current() -> TraceContext? {
        guard let context = ServiceContext.current else { return nil }
        var carrier = TraceCarrier()
        InstrumentationSystem.instrument.inject(context, into: &carrier, using: TraceCarrier.Injecting())
        return carrier.traceparent.flatMap { TraceContext(traceparent: $0, tracestate: carrier.tracestate) }
    }

    /// A client's `traceparent` and `tracestate`, parsed strictly: a malformed one is ignored
    /// (the request starts a trace of its own), never refused.
    static func carried(by headers: HTTPFields) -> TraceContext? {
        guard let traceparent = headers[.traceparent] else { return nil }
        return TraceContext(traceparent: traceparent, tracestate: headers[.tracestate])
    }
}

/// The two W3C headers, as the tracer writes and reads them.
struct TraceCarrier: Sendable {
    var traceparent: String?
    var tracestate: String?

    init() {}

    init(_ trace: TraceContext) {
        traceparent = trace.traceparent
        tracestate = trace.state.isEmpty ? nil : trace.state
    }

    struct Injecting: Injector {
        func inject(_ value: String, forKey key: String, into carrier: inout TraceCarrier) {
            switch key.lowercased() {
            case "traceparent": carrier.traceparent = value
            case "tracestate": carrier.tracestate = value
            default: break
            }
        }
    }

    struct Extracting: Extractor {
        func extract(key: String, from carrier: TraceCarrier) -> String? {
            switch key.lowercased() {
            case "traceparent": carrier.traceparent
            case "tracestate": carrier.tracestate
            default: nil
            }
        }
    }
}

extension HTTPFields.Element.Name {
    // Valid header names written out here; the initialiser only fails on invalid characters.
    static let traceparent = Self("traceparent")!
    static let tracestate = Self("tracestate")!
}
