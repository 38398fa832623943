import Foundation
import Logging
import NIOPosix
import PelotonCrypto
import PelotonMembership
import PelotonServices
import PelotonState

/// A Swift client of the mesh over the native stream protocol: it proves its identity with a
/// certificate from the cluster's authority (issued like a node's: `peloton keygen --node
/// NAME`), opens one sealed stream to any node, and sends typed calls that the node routes to
/// the owners exactly as it routes HTTP calls.
///
/// ```swift
/// let client = PelotonClient(node: try NodeAddress(parsing: "127.0.0.1:7946"),
///                            credentials: try NodeCredentials.load(from: NodeFiles(dataDirectory: "client")))
/// let reply = try await client.call("echo", "upper", EchoService.Message(text: "hi"), as: EchoService.Echoed.self)
/// let hits = try await client.write(.add(1), to: StateKey(kind: .counter, name: "hits"))
/// ```
public final class PelotonClient: Sendable {
    public let node: NodeAddress
    private let credentials: NodeCredentials
    private let channels = CallChannels()
    private let logger: Logger

    public init(node: NodeAddress, credentials: NodeCredentials, logger: Logger = Logger(label: "peloton.client")) {
        self.node = node
        self.credentials = credentials
        self.logger = logger
    }

    /// Calls `service.method` with `request` as JSON and decodes the JSON reply. Throws the
    /// call's `CallFailure` (with its HTTP-style status) when the mesh answers with one.
    public func call<Request: Encodable, Reply: Decodable>(
        _ service: String, _ method: String, key: String? = nil, _ request: Request, as _: Reply.Type = Reply.self,
        timeout: Duration = .seconds(5), requestID: RequestID = .random()
    ) async throws -> Reply {
        let body = Array(try JSONEncoder().encode(request))
        let milliseconds = CallRequest.budgetMilliseconds(for: timeout)
        let reply = try await send(CallRequest(
            id: requestID, service: service, method: method, key: key, body: body, formats: [MediaType.json], budgetMilliseconds: milliseconds))
        switch reply.outcome {
        case let .success(rendered):
            return try JSONDecoder().decode(Reply.self, from: Data(rendered.body))
        case let .failure(failure):
            throw failure
        }
    }

    /// Sends one call as it is and waits for the node's reply, at most its budget plus the
    /// time to reach the node.
    public func send(_ call: CallRequest) async throws -> CallReply {
        var request = call
        // A client's call is routed by the node it reaches, like one that came over HTTP.
        request.hops = 0
        let routed = request
        let limit = Duration.milliseconds(Int64(routed.budgetMilliseconds)) + .seconds(2)
        let (node, credentials, logger) = (self.node, self.credentials, self.logger)
        let channels = self.channels
        // The node's id is learned in the handshake; the pool keys the one stream by address.
        return try await channels.call(routed, to: Self.poolKey, within: limit) { loop in
            try await CallChannel.open(
                to: node, expecting: nil, credentials: credentials, group: loop ?? MultiThreadedEventLoopGroup.singleton,
                maxFrameBytes: NodeConfiguration.defaultMaxFrameBytes, handshakeTimeout: NodeConfiguration.defaultStreamTimeout,
                logger: logger, onClose: { _ in })
        }
    }

    /// Runs `operation` on the state `key` through the node, waiting for `level`'s owners;
    /// returns the key's state after the write (read it with `.json` or the CRDT's own API).
    public func write(
        _ operation: StateOperation, to key: StateKey, level: ConsistencyLevel = .quorum, timeout: Duration = .seconds(5)
    ) async throws -> StateValue {
        guard case let .written(state, _, _) = try await state(.write(key, operation, level), timeout: timeout) else {
            throw CallFailure(.badRequest, "the node answered a write with something else")
        }
        return state
    }

    /// The state `key` merged from `level` owners; the empty value when no owner holds it.
    public func read(_ key: StateKey, level: ConsistencyLevel = .quorum, timeout: Duration = .seconds(5)) async throws -> StateValue {
        guard case let .value(state) = try await state(.read(key, level), timeout: timeout) else {
            throw CallFailure(.badRequest, "the node answered a read with something else")
        }
        return state ?? .empty(key.kind)
    }

    private func state(_ message: StateRequest, timeout: Duration) async throws -> StateResponse {
        let milliseconds = CallRequest.budgetMilliseconds(for: timeout)
        let reply = try await send(CallRequest(
            service: StateKey.placementService, method: "state", body: message.wireBytes, budgetMilliseconds: milliseconds))
        switch reply.outcome {
        case let .success(rendered):
            return try StateResponse(wireBytes: rendered.body)
        case let .failure(failure):
            throw failure
        }
    }

    /// Closes the stream; the next call opens a new one.
    public func close() {
        channels.closeAll()
    }

    /// One client talks to one node, so its single stream sits under one fixed key.
    private static let poolKey = NodeID(high: 0, low: 0)
}
