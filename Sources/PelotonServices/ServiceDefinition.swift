import Foundation
import Mustache
import PelotonCrypto
import PelotonEvents
import PelotonState

/// A service as its author writes it: a name, a version, how many owners it has, and typed
/// async methods (Codable request in, Codable reply out).
///
/// ```swift
/// let greeter = try ServiceDefinition(name: "greeter", version: "1.0.0", replicas: 2) { service in
///     service.method("hello", html: "<h1>{{greeting}}</h1>") { (request: HelloRequest, call) in
///         HelloReply(greeting: "Hello, \(request.name)!")
///     }
/// }
/// ```
public struct ServiceDefinition: Sendable {
    public static let maxReplicas = 16

    public let name: String
    public private(set) var version: String
    public let replicas: Int
    /// Where owners run the handlers of calls that reach them over the network.
    public let handlersRunOn: HandlerPlacement
    /// Whether running a call twice is harmless (a pure function, a lookup). Only then does a
    /// router send a call on to the next owner after an owner took it and did not answer in
    /// time; otherwise that call ends `uncertain` (504) and the handler has run at most once.
    public let idempotent: Bool
    let methods: [String: ServiceMethod]
    /// Event handlers: on every node that offers the service, each event matching a pattern.
    public let subscriptions: [EventSubscription]

    /// Names the mesh uses for its own traffic between nodes (`peloton.state`, `peloton.jobs`):
    /// no service may take one, and clients cannot call them as services.
    public static let reservedPrefix = "peloton."

    /// Whether `name` is the mesh's own (any letter case, so no look-alike slips through).
    public static func isReserved(_ name: some StringProtocol) -> Bool {
        name.lowercased().hasPrefix(reservedPrefix)
    }

    public init(
        name: String, version: String, replicas: Int, handlersRunOn: HandlerPlacement = .sharedPool, idempotent: Bool = false,
        _ build: (inout ServiceBuilder) throws -> Void
    ) throws {
        try requireValidName(name, "service name \"\(name)\"")
        guard !Self.isReserved(name) else {
            throw ServiceDefinitionError("service name \"\(name)\": names starting with \"\(Self.reservedPrefix)\" are the mesh's own (state, jobs); choose another")
        }
        try Self.requireValidVersion(version, of: name)
        guard (1...Self.maxReplicas).contains(replicas) else {
            throw ServiceDefinitionError("service \(name): replicas must be 1 to \(Self.maxReplicas)")
        }
        var builder = ServiceBuilder(service: name)
        try build(&builder)
        guard !builder.methods.isEmpty else { throw ServiceDefinitionError("service \(name) has no methods") }
        self.name = name
        self.version = version
        self.replicas = replicas
        self.handlersRunOn = handlersRunOn
        self.idempotent = idempotent
        methods = builder.methods
        subscriptions = builder.subscriptions
    }

    public var methodNames: [String] { methods.keys.sorted() }

    /// The same service, handlers and all, announced under another version: how one binary
    /// tries a rolling upgrade where two versions run side by side.
    public func announced(asVersion version: String) throws -> ServiceDefinition {
        try Self.requireValidVersion(version, of: name)
        var copy = self
        copy.version = version
        return copy
    }

    private static func requireValidVersion(_ version: String, of name: String) throws {
        guard !version.isEmpty, version.utf8.count <= CallRequest.maxNameBytes else {
            throw ServiceDefinitionError("service \(name): version must be 1 to \(CallRequest.maxNameBytes) bytes")
        }
    }
}

/// Where an owner runs a service's handlers for the calls that reach it: forwarded by another
/// node, or taken over HTTP by the owner itself.
public enum HandlerPlacement: Sendable {
    /// Swift's shared pool of threads: right for handlers that compute for long or block.
    case sharedPool
    /// The event loop that read the call (off a peer's stream or an HTTP connection), like
    /// gRPC's direct executor: no thread switch on the way in or out, which saves the owner a
    /// quarter to a third of a forwarded call's CPU. Only for handlers that return quickly and
    /// never block a thread: a slow one holds up every connection on that loop.
    case eventLoop
}

/// Collects a service's methods; `ServiceDefinition.init` hands one to the author.
public struct ServiceBuilder {
    let service: String
    var methods: [String: ServiceMethod] = [:]
    var subscriptions: [EventSubscription] = []

    /// Runs `handler` for each event matching `pattern` that reaches a node offering the
    /// service (every such node, once per event). `context.events` lets it publish in turn.
    public mutating func subscribe(_ pattern: String, _ handler: @escaping @Sendable (MeshEvent, EventContext) async -> Void) throws {
        do {
            subscriptions.append(EventSubscription(pattern: try TopicPattern(pattern), handler: handler))
        } catch {
            throw ServiceDefinitionError("service \(service): subscription \(error)")
        }
    }

    /// Adds a method. `html` is a Mustache template rendered with the reply's fields;
    /// `text` renders the reply as plain text; `transforms` add other media types. Without
    /// them, text and HTML still work: the reply's fields as lines, or as a table.
    public mutating func method<Request: Decodable & Sendable, Reply: Encodable & Sendable>(
        _ name: String,
        html: String? = nil,
        text: (@Sendable (Reply) -> String)? = nil,
        transforms: [String: @Sendable (Reply) -> String] = [:],
        _ handler: @escaping @Sendable (Request, CallContext) async throws -> Reply
    ) throws {
        try requireValidName(name, "service \(service): method name \"\(name)\"")
        guard methods[name] == nil else { throw ServiceDefinitionError("service \(service): method \(name) is defined twice") }
        let template: MustacheTemplate?
        do {
            template = try html.map { try MustacheTemplate(string: $0) }
        } catch {
            throw ServiceDefinitionError("service \(service), method \(name): the HTML template does not parse: \(error)")
        }
        let renderers = ReplyRenderers<Reply>(html: template, text: text, custom: transforms)
        let service = self.service
        methods[name] = ServiceMethod { body, formats, context in
            let request: Request
            do {
                request = try requestDecoder.decode(Request.self, from: body.isEmpty ? Data("{}".utf8) : Data(body))
            } catch {
                return .failure(CallFailure(.badRequest, "the request body is not a valid \(Request.self): \(describe(decodingError: error))"))
            }
            let reply: Reply
            do {
                reply = try await handler(request, context)
            } catch let error as ServiceError {
                return .failure(CallFailure(.handler, status: error.status, error.message))
            } catch {
                return .failure(CallFailure(.handler, "\(service).\(name) failed: \(error)"))
            }
            return renderers.render(reply, acceptable: formats)
        }
    }
}

/// What a handler knows about its call besides the request.
/// A service's handler for events matching a pattern.
public struct EventSubscription: Sendable {
    public let pattern: TopicPattern
    public let handler: @Sendable (MeshEvent, EventContext) async -> Void
}

/// What an event handler can reach on its node.
public struct EventContext: Sendable {
    public let state: (any SharedState)?
    public let events: (any EventPublisher)?

    public init(state: (any SharedState)?, events: (any EventPublisher)?) {
        self.state = state
        self.events = events
    }
}

public struct CallContext: Sendable {
    public let requestID: RequestID
    /// The routing key of a keyed call.
    public let key: String?
    /// When the caller stops waiting, as a duration from when the handler started.
    public let budget: Duration
    /// The mesh's replicated state, when the handler runs on a node.
    public let state: (any SharedState)?
    /// The mesh's event bus, when the handler runs on a node.
    public let events: (any EventPublisher)?

    public init(requestID: RequestID, key: String?, budget: Duration, state: (any SharedState)? = nil, events: (any EventPublisher)? = nil) {
        self.requestID = requestID
        self.key = key
        self.budget = budget
        self.state = state
        self.events = events
    }

    /// An id for this call's write to `key`, the same on every run of the call: named this
    /// way, each of a handler's writes runs once however often the call is reissued or retried
    /// with the same `X-Request-Id`. (Two writes of one call to one key share the id, so the
    /// second would not apply: make them one operation.)
    public func writeID(for key: StateKey) -> WriteID {
        WriteID(request: requestID.high, requestID.low, key: key)
    }
}

/// An error a handler throws to choose what the caller sees: an HTTP status (4xx or 5xx) and
/// a message. Any other error becomes a 500 naming the method.
public struct ServiceError: Error, Sendable {
    public let status: UInt16
    public let message: String

    public init(status: UInt16 = 400, _ message: String) {
        self.status = (400...599).contains(status) ? status : 500
        self.message = message
    }
}

public struct ServiceDefinitionError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }

    public static func unknown(_ name: String, known: [String]) -> Self {
        Self("no service named \(name); this binary offers \(known.isEmpty ? "none" : known.joined(separator: ", "))")
    }
}

/// One method with its request type erased: JSON in, a rendered reply or a failure out.
struct ServiceMethod: Sendable {
    let run: @Sendable (_ body: [UInt8], _ formats: [String], _ context: CallContext) async -> Result<RenderedReply, CallFailure>

    init(_ run: @escaping @Sendable ([UInt8], [String], CallContext) async -> Result<RenderedReply, CallFailure>) {
        self.run = run
    }
}

/// Service and method names travel in calls and URL paths: 1 to 64 ASCII letters, digits,
/// '-', '_' or '.'. `what` names the name in the error.
private func requireValidName(_ name: String, _ what: String) throws {
    guard !name.isEmpty, name.utf8.count <= CallRequest.maxNameBytes, name.allSatisfy(\.isServiceNameCharacter) else {
        throw ServiceDefinitionError("\(what) must be 1 to \(CallRequest.maxNameBytes) letters, digits, '-', '_' or '.'")
    }
}

extension Character {
    var isServiceNameCharacter: Bool {
        isASCII && (isLetter || isNumber || self == "-" || self == "_" || self == ".")
    }
}

private func describe(decodingError error: any Error) -> String {
    guard let error = error as? DecodingError else { return "\(error)" }
    switch error {
    case let .keyNotFound(key, _): return "missing field \"\(key.stringValue)\""
    case let .typeMismatch(type, context): return "field \"\(path(context))\" should be \(type)"
    case let .valueNotFound(type, context): return "field \"\(path(context))\" should be \(type), not null"
    case let .dataCorrupted(context): return context.codingPath.isEmpty ? "not JSON" : "field \"\(path(context))\" is invalid"
    @unknown default: return "\(error)"
    }
}

private func path(_ context: DecodingError.Context) -> String {
    context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
}
