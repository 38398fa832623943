import Foundation
import Hummingbird
import NIOCore
import PelotonEvents

/// The event bus over HTTP, on every node:
///
/// - `POST /v1/events/{topic}`: publish the body (JSON by convention, at most 768 bytes).
/// - `GET /v1/events/{pattern}/stream`: server-sent events, one per event matching the pattern
///   (`*` one segment, `#` any number) from now on.
/// - `GET /v1/events/{pattern}/ws`: the same as a WebSocket (`EventWebSocket`).
/// - `GET /v1/events?pattern=&limit=`: the latest events this node delivered, as JSON.
enum EventEndpoint {
    static func register(on router: Router<PelotonRequestContext>, node: MeshNode) {
        router.post("/v1/events/:topic") { request, context in
            let text = try StrictURI.decode(context.parameters.require("topic"), what: "the topic")
            let topic: Topic
            do {
                topic = try Topic(text)
            } catch {
                throw APIError(.badRequest, .badRequest, "\(error)")
            }
            let body = try await JSONReply.body(
                of: request, atMost: MeshEvent.maxPayloadBytes,
                tooLarge: "an event's payload is at most \(MeshEvent.maxPayloadBytes) bytes (it travels in one datagram)")
            let event: MeshEvent
            do {
                event = try await node.publish(topic, payload: Array(body.readableBytesView))
            } catch {
                throw APIError(.contentTooLarge, .payloadTooLarge, "\(error)")
            }
            return try JSONReply.response(EventView(event), status: .accepted, encoder: JSONReply.compact)
        }
        // The same parameter name as the POST route's: the router needs one name per position.
        router.get("/v1/events/:topic/stream") { request, context in
            let pattern = try pattern(try StrictURI.decode(context.parameters.require("topic"), what: "the topic pattern"))
            // Each event is named by its topic (`addEventListener(topic)`), unless the client
            // asks for plain messages (`?named=false`), as `EventSource.onmessage` wants.
            let named = try StrictURI.query(of: request)["named"] != "false"
            // A comment line is the heartbeat: EventSource clients ignore it.
            let lines = LiveResponse.body(node.subscribe(pattern), heartbeat: ByteBuffer(string: ": keep-alive\n\n")) { event in
                var frame = ByteBuffer(string: named ? "id: \(event.id)\nevent: \(event.topic)\ndata: " : "id: \(event.id)\ndata: ")
                frame.writeBytes((try? JSONReply.compact.encode(await node.view(of: event))) ?? Data())
                frame.writeString("\n\n")
                return frame
            }
            return Response(
                status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"],
                body: ResponseBody(asyncSequence: lines))
        }
        // Reached only without an upgrade: WebSocket requests go to `EventWebSocket`'s router.
        router.get("/v1/events/:topic/ws") { _, _ -> Response in
            throw APIError(.upgradeRequired, .upgradeRequired, "this is a WebSocket: connect with a WebSocket client (or use .../stream for server-sent events)")
        }
        router.get("/v1/events") { request, _ in
            let query = try StrictURI.query(of: request)
            let pattern = try pattern(query["pattern"] ?? "#")
            let limit = try query["limit"].map { given in
                guard let limit = Int(given) else { throw APIError(.badRequest, .badRequest, "limit must be a whole number from 1 to \(EventBus.recentCapacity)") }
                return limit
            } ?? 50
            guard (1...EventBus.recentCapacity).contains(limit) else {
                throw APIError(.badRequest, .badRequest, "limit must be 1 to \(EventBus.recentCapacity)")
            }
            var views: [EventView] = []
            for event in node.recentEvents(matching: pattern, limit: limit) {
                views.append(await node.view(of: event))
            }
            return try JSONReply.response(views, encoder: JSONReply.compact)
        }
    }

    static func pattern(_ text: String) throws -> TopicPattern {
        do {
            return try TopicPattern(text)
        } catch {
            throw APIError(.badRequest, .badRequest, "\(error)")
        }
    }
}

/// An event as JSON: the payload as text when it is UTF-8 (JSON by convention), else base64.
public struct EventView: Codable, Sendable, Equatable {
    public let id: String
    public let topic: String
    public let origin: String
    public let sequence: UInt64
    public let publishedAt: UInt64
    public let payload: String?
    public let payloadBase64: String?
    /// The publishing node's name, where the answering node knows it.
    public let originName: String?

    init(_ event: MeshEvent, originName: String? = nil) {
        id = event.id.description
        topic = event.topic.description
        origin = event.origin.description
        self.originName = originName
        sequence = event.sequence
        publishedAt = event.publishedAtMilliseconds
        if let text = String(validating: event.payload, as: UTF8.self) {
            payload = text
            payloadBase64 = nil
        } else {
            payload = nil
            payloadBase64 = Data(event.payload).base64EncodedString()
        }
    }
}

