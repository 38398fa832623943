import ArgumentParser
import Foundation
import Logging
import OTel
import ServiceLifecycle
import Tracing

/// `--otel-endpoint`: the node's spans go to an OpenTelemetry collector over OTLP/HTTP. Only
/// traces are exported (metrics stay on `/metrics`, logs on standard error, with the trace id).
struct TraceExport {
    /// Where spans go: the collector's OTLP/HTTP base URL plus `/v1/traces`.
    let tracesURL: String
    let json: Bool

    /// Parses `--otel-endpoint` (`http[s]://HOST[:PORT][/PATH]`) and `--otel-protocol`.
    init(endpoint: String, protocolName: String) throws {
        guard let url = URL(string: endpoint), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = url.host, !host.isEmpty, url.query == nil, url.fragment == nil
        else {
            throw ValidationError("--otel-endpoint \(endpoint): give the collector's OTLP/HTTP address, e.g. http://127.0.0.1:4318")
        }
        // Like OTEL_EXPORTER_OTLP_ENDPOINT: a base URL, to which the traces path is added.
        var base = endpoint
        while base.hasSuffix("/") { base.removeLast() }
        tracesURL = base.hasSuffix("/v1/traces") ? base : base + "/v1/traces"
        switch protocolName {
        case "http/protobuf": json = false
        case "http/json": json = true
        default: throw ValidationError("--otel-protocol must be http/protobuf or http/json, not \(protocolName)")
        }
    }

    /// Makes the process's tracer export to the collector and returns the service that
    /// batches and sends spans (run it in the node's service group; it flushes on shutdown).
    /// The standard `OTEL_*` environment variables refine it (sampler, batch delay...).
    func bootstrap(node: String, nodeID: String, logger: Logger) throws -> any Service {
        var configuration = OTel.Configuration.default
        configuration.serviceName = "peloton"
        configuration.resourceAttributes = ["service.instance.id": nodeID, "peloton.node": node]
        configuration.diagnosticLogger = .custom(logger)
        configuration.diagnosticLogLevel = .warning
        configuration.logs.enabled = false
        configuration.metrics.enabled = false
        configuration.traces.otlpExporter.endpoint = tracesURL
        configuration.traces.otlpExporter.protocol = json ? .httpJSON : .httpProtobuf
        let (tracer, service) = try OTel.makeTracingBackend(configuration: configuration)
        InstrumentationSystem.bootstrap(tracer)
        return service
    }
}
