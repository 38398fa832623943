import Foundation
import Hummingbird
import NIOCore
import PelotonCrypto
import PelotonServices
import PelotonState

/// Replicated state over HTTP, on every node:
///
/// - `GET /v1/state/{type}/{key}`: the key's value, merged from `?level=` owners.
/// - `POST /v1/state/{type}/{key}/{operation}`: a write, e.g. `POST /v1/state/counter/hits/increment`
///   with `{"by": 2}`, `POST /v1/state/set/tags/add` with `{"elements": ["a"]}`.
/// - `PATCH /v1/state/{type}/{key}`: the same, naming the operation in the body.
/// - `PUT /v1/state/{register|mvregister}/{key}`: assign `{"value": "..."}`.
/// - `GET /v1/state/{type}/{key}/watch`: on an owner, one JSON line per new state it holds.
///
/// `?level=one|quorum|all` (quorum unless given) and `?timeout_ms=` (5 s) apply to all.
enum StateEndpoint {
    static let maxBodyBytes = 1 << 20

    static func register(on router: Router<PelotonRequestContext>, node: MeshNode) {
        router.get("/v1/state/:type/:key") { request, context in
            let key = try key(from: context)
            let (level, budget) = try options(request)
            switch await node.readState(key, level: level, budget: budget) {
            case let .success(value):
                let view = StateReadView(key: key, level: level, value: value ?? .empty(key.kind))
                return try JSONReply.response(view, encoder: JSONReply.compact)
            case let .failure(failure):
                return JSONReply.failure(failure)
            }
        }
        router.post("/v1/state/:type/:key/:operation") { request, context in
            let key = try key(from: context)
            let operation = try context.parameters.require("operation")
            return try await write(request, key: key, operationName: operation, node: node)
        }
        router.patch("/v1/state/:type/:key") { request, context in
            try await write(request, key: try key(from: context), operationName: nil, node: node)
        }
        router.put("/v1/state/:type/:key") { request, context in
            let key = try key(from: context)
            guard key.kind == .register || key.kind == .mvregister else {
                throw APIError(.methodNotAllowed, .methodNotAllowed, "PUT assigns registers; a \(key.kind.name) takes POST .../\(StateWriteBody.operations(of: key.kind).joined(separator: "|"))")
            }
            return try await write(request, key: key, operationName: "assign", node: node)
        }
        router.get("/v1/state/:type/:key/watch") { _, context in
            let key = try key(from: context)
            guard await node.ownsState(key) else {
                throw APIError(.conflict, .conflict, "this node does not own \(key); watch it on one of its owners (GET /v1/ring shows the members)")
            }
            let changes = await node.stateReplica.watch(key)
            // No heartbeat: every line of a watch is a state, as NDJSON readers expect.
            let lines = LiveResponse.body(changes, heartbeat: nil) { value in
                var line = ByteBuffer(bytes: (try? JSONReply.compact.encode(StateChangeView(type: key.kind.name, key: key.name, value: value.json))) ?? Data())
                line.writeString("\n")
                return line
            }
            return Response(status: .ok, headers: [.contentType: "application/x-ndjson"], body: ResponseBody(asyncSequence: lines))
        }
    }

    private static func write(_ request: Request, key: StateKey, operationName: String?, node: MeshNode) async throws -> Response {
        let (level, budget) = try options(request)
        let id = try JSONReply.requestID(of: request)
        let bytes = try await JSONReply.body(of: request, atMost: maxBodyBytes, tooLarge: "the request body is larger than \(maxBodyBytes) bytes")
        let body: StateWriteBody
        do {
            body = bytes.readableBytes == 0 ? StateWriteBody() : try JSONDecoder().decode(StateWriteBody.self, from: Data(bytes.readableBytesView))
        } catch {
            throw APIError(.badRequest, .badRequest, "the body must be a JSON object such as {\"by\": 2}, {\"value\": \"x\"} or {\"elements\": [\"a\"]}: \(error)")
        }
        guard let name = operationName ?? body.operation else {
            throw APIError(.badRequest, .badRequest, "PATCH needs \"operation\": one of \(StateWriteBody.operations(of: key.kind).joined(separator: ", "))")
        }
        let operation: StateOperation
        do {
            operation = try body.operation(named: name, on: key.kind)
        } catch {
            throw APIError(.badRequest, .badRequest, error.description)
        }
        let headers: HTTPFields = [.requestID: id.description]
        switch await node.writeState(operation, to: key, level: level, budget: budget, write: WriteID(id, key: key)) {
        case let .success(result):
            var response = try JSONReply.response(StateWriteView(
                type: key.kind.name, key: key.name, level: level.rawValue, value: result.state.json, acknowledged: result.acknowledged,
                owners: result.owners, servedBy: result.servedBy?.description), encoder: JSONReply.compact)
            response.headers[.requestID] = id.description
            return response
        case let .failure(failure):
            return JSONReply.failure(failure, headers: headers)
        }
    }

    private static func key(from context: PelotonRequestContext) throws -> StateKey {
        let type = try context.parameters.require("type")
        let name = try StrictURI.decode(context.parameters.require("key"), what: "the key")
        guard let kind = StateKind(name: type) else {
            throw APIError(.notFound, .notFound, "no state type '\(type)'; the types are \(StateKind.allCases.map(\.name).joined(separator: ", "))")
        }
        do {
            return try StateKey(kind: kind, name: name)
        } catch {
            throw APIError(.badRequest, .badRequest, error.description)
        }
    }

    private static func options(_ request: Request) throws -> (ConsistencyLevel, Duration) {
        let query = try StrictURI.query(of: request)
        var level = ConsistencyLevel.quorum
        if let given = query["level"] {
            guard let parsed = ConsistencyLevel(rawValue: given) else { throw APIError(.badRequest, .badRequest, "level must be one, quorum or all") }
            level = parsed
        }
        return (level, .milliseconds(Int64(try JSONReply.timeoutMilliseconds(query))))
    }
}

/// The answer to a read, with the nodes whose writes the value holds entries for (what
/// pruning removes when one of them is revoked) and any pruning under way.
public struct StateReadView: Encodable, Sendable {
    public let type: String
    public let key: String
    public let level: String
    public let value: StateJSON
    public let writers: [String]
    /// Removed node id → `started` (waiting for every owner) or `done` (folded); absent when none.
    public let pruning: [String: String]?

    init(key: StateKey, level: ConsistencyLevel, value: StateValue) {
        type = key.kind.name
        self.key = key.name
        self.level = level.rawValue
        self.value = value.json
        writers = value.replicas.sorted().map(\.description)
        let markers = value.pruning.states
        pruning = markers.isEmpty ? nil : Dictionary(uniqueKeysWithValues: markers.map { ($0.key.description, $0.value.isPerformed ? "done" : "started") })
    }
}

/// The answer to a write: the state at the owner that ran it, and who holds it.
public struct StateWriteView: Encodable, Sendable {
    public let type: String
    public let key: String
    public let level: String
    public let value: StateJSON
    public let acknowledged: Int
    public let owners: Int
    public let servedBy: String?
}

/// One line of a watch.
public struct StateChangeView: Encodable, Sendable {
    public let type: String
    public let key: String
    public let value: StateJSON
}

extension MeshNode {
    /// Whether this node is among `key`'s owners in its own view.
    nonisolated func ownsState(_ key: StateKey) async -> Bool {
        await placement(of: StateKey.placementService, key: key.description, at: Self.now()).owners.contains(id)
    }
}
