import ArgumentParser
import Foundation
import Logging
import OTel
import PelotonMembership
import PelotonNode
import PelotonServices
import ServiceLifecycle

/// `peloton node`: runs one node of the mesh until SIGTERM or Ctrl-C, when it leaves gracefully.
struct NodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "node",
        abstract: "Run a node: gossip on --bind (UDP and TCP), HTTP API on --http.",
        discussion: """
            peloton node --data data/n1 --dev                                  # a mesh of one
            peloton node --data data/n2 --dev --dev-authority data/n1/dev-authority.key \\
                --bind 127.0.0.1:7947 --http 127.0.0.1:7981 --seed 127.0.0.1:7946
            """
    )

    @Option(help: "The node's data directory (identity key, certificate, authority.pub).")
    var data: String

    @Option(help: "Where gossip listens, HOST:PORT (UDP and TCP on the same port).")
    var bind = "127.0.0.1:7946"

    @Option(help: "The address other nodes reach this one at, when --bind is a wildcard.")
    var advertise: String?

    @Option(help: "Where the HTTP API listens, HOST:PORT (loopback unless a token is configured).")
    var http = "127.0.0.1:7980"

    @Option(help: "Nodes to join through, HOST:PORT[,HOST:PORT...]; none starts a mesh of one.")
    var seed: [String] = []

    @Flag(help: "Development mode: a throwaway authority (created when missing) issues this node's certificate.")
    var dev = false

    @Option(help: "With --dev: the authority key file to use; nodes sharing it form one cluster. Default: DATA/dev-authority.key.")
    var devAuthority: String?

    @Option(help: "With --dev: the node's name. Default: the data directory's name.")
    var name: String?

    @Option(help: "Services this node offers, NAME[@VERSION][,...], from: \(ServiceCatalog.current.names.joined(separator: ", ")) (each at its built-in version unless given). None: the node routes calls but owns none.")
    var services: [String] = []

    @Option(help: "A file holding the bearer token remote HTTP clients must present.")
    var httpTokenFile: String?

    @Option(help: ArgumentHelp("Test hook: drop this fraction of inbound datagrams.", visibility: .hidden))
    var injectLoss = 0.0

    @Option(help: "How many calls one stream (a peer or a client) may have running on this node at once.")
    var maxCallsPerStream = 1024

    @Option(help: "How many work units of jobs this node runs at once (default: one per core).")
    var jobCores: Int?

    @Option(help: "How long, in milliseconds, a draining node (SIGTERM, peloton drain) waits at most for its calls to finish.")
    var drainGraceMs = 10_000

    @Option(help: "How often, in milliseconds, this node compares the state it holds with one random peer.")
    var stateSyncMs = 2_000

    @Option(help: "After folding a revoked node's entries out of a key, how long, in seconds, the key keeps dropping them from stale copies: longer than any node may be away and return with old state.")
    var pruneMarkerSeconds = 24 * 3600

    @Option(help: "How long, in seconds, an HTTP client has to send a request's head after connecting, and at most between two parts of a body (408 and closed beyond).")
    var httpHeaderTimeout = 60

    @Option(help: "How long, in seconds, an idle kept-alive HTTP connection stays open.")
    var httpKeepAliveTimeout = 75

    @Option(help: "How many HTTP connections this node holds open at once (more are answered 503 and closed).")
    var httpMaxConnections = HTTPLimits().maxConnections

    @Option(help: "How many HTTP connections one client address may hold open to this node at once.")
    var httpMaxConnectionsPerClient = HTTPLimits().maxConnectionsPerClient

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel = "info"

    @Option(help: "Export this node's spans to an OpenTelemetry collector at this OTLP/HTTP address, e.g. http://127.0.0.1:4318 (off unless given).")
    var otelEndpoint: String?

    @Option(help: "With --otel-endpoint: http/protobuf or http/json.")
    var otelProtocol = "http/protobuf"

    func validate() throws {
        guard (0...1).contains(injectLoss) else { throw ValidationError("--inject-loss must be between 0 and 1") }
        guard (1...1_000_000).contains(maxCallsPerStream) else { throw ValidationError("--max-calls-per-stream must be 1 to 1000000") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("unknown --log-level \(logLevel)") }
        if !dev && (devAuthority != nil || name != nil) { throw ValidationError("--dev-authority and --name only apply with --dev") }
    }

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        let traceExport = try otelEndpoint.map { try TraceExport(endpoint: $0, protocolName: otelProtocol) }
        // With tracing on, a line logged within a span carries its trace_id and span_id.
        LoggingSystem.bootstrap(
            { label, provider in DeferredMetadataLogHandler(label: label, level: level, metadataProvider: provider) },
            metadataProvider: traceExport == nil ? nil : OTel.makeLoggingMetadataProvider())
        let logger = Logger(label: "peloton")
        try await serve(logger: logger, traceExport: traceExport)
    }

    private func serve(logger: Logger, traceExport: TraceExport?) async throws {
        let files = NodeFiles(dataDirectory: data)
        let credentials: NodeCredentials
        if dev {
            let nodeName = name ?? URL(fileURLWithPath: data).lastPathComponent
            credentials = try NodeCredentials.development(files: files, authorityPath: devAuthority ?? files.developmentAuthorityPath, name: nodeName)
        } else {
            credentials = try NodeCredentials.load(from: files)
        }
        let bindAddress = try parseAddress(bind, option: "--bind")
        let httpAddress = try parseAddress(http, option: "--http")
        let seeds = try seed.flatMap { $0.split(separator: ",") }.map { try parseAddress(String($0), option: "--seed") }
        var configuration = try NodeConfiguration(
            bind: bindAddress, advertise: try advertise.map { try parseAddress($0, option: "--advertise") }, seeds: seeds,
            httpAddress: httpAddress.description)
        configuration.injectedLoss = injectLoss
        configuration.maxCallsInFlightPerStream = maxCallsPerStream
        guard (50...600_000).contains(stateSyncMs) else { throw ValidationError("--state-sync-ms must be from 50 to 600000") }
        configuration.stateSyncInterval = .milliseconds(stateSyncMs)
        // Below a minute, a fold still waiting on a slow owner could be overtaken by the
        // deadline after which entries are dropped instead of folded.
        guard (60...(365 * 24 * 3600)).contains(pruneMarkerSeconds) else { throw ValidationError("--prune-marker-seconds must be from 60 to 31536000") }
        configuration.pruneMarkerLifetime = .seconds(pruneMarkerSeconds)
        if let jobCores, !(1...1_024).contains(jobCores) { throw ValidationError("--job-cores must be 1 to 1024") }
        guard (0...600_000).contains(drainGraceMs) else { throw ValidationError("--drain-grace-ms must be from 0 to 600000") }
        configuration.drainGracePeriod = .milliseconds(drainGraceMs)
        configuration.recordsTraces = traceExport != nil
        let token = try httpTokenFile.map { path in
            try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        guard (1...3_600).contains(httpHeaderTimeout), (1...3_600).contains(httpKeepAliveTimeout) else {
            throw ValidationError("--http-header-timeout and --http-keep-alive-timeout must be 1 to 3600 seconds")
        }
        guard (1...1_000_000).contains(httpMaxConnections), (1...httpMaxConnections).contains(httpMaxConnectionsPerClient) else {
            throw ValidationError("--http-max-connections must be 1 to 1000000, and --http-max-connections-per-client 1 to that")
        }
        var limits = HTTPLimits()
        limits.headerTimeoutMilliseconds = Int64(httpHeaderTimeout) * 1_000
        limits.bodyTimeoutMilliseconds = Int64(httpHeaderTimeout) * 1_000
        limits.keepAliveTimeoutMilliseconds = Int64(httpKeepAliveTimeout) * 1_000
        limits.maxConnections = httpMaxConnections
        limits.maxConnectionsPerClient = httpMaxConnectionsPerClient
        let httpConfiguration = try HTTPAPI.Configuration(host: httpAddress.host, port: Int(httpAddress.port), bearerToken: token, limits: limits)
        let names = services.flatMap { $0.split(separator: ",").map(String.init) }
        let catalog = ServiceCatalog.current
        let host = names.isEmpty ? nil : try ServiceHost(services: try catalog.definitions(named: names), clock: MeshNode.clock)
        let node = try MeshNode(
            credentials: credentials, configuration: configuration, files: files, services: host, jobs: catalog.jobs,
            jobCores: jobCores, logger: logger)
        let api = HTTPAPI.application(for: node, configuration: httpConfiguration, logger: logger)
        let exporter = try traceExport.map { export in
            try export.bootstrap(node: credentials.certificate.name, nodeID: credentials.certificate.nodeID.description, logger: logger)
        }
        let group = node.serviceGroup(api: api, first: exporter.map { [$0] } ?? [], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        defer { node.closeConnections() }
        try await group.run()
    }
}

func parseAddress(_ text: String, option: String) throws -> NodeAddress {
    do {
        return try NodeAddress(parsing: text)
    } catch {
        throw ValidationError("\(option) \(text): \(error)")
    }
}
