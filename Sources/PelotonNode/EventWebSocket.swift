import Foundation
import Hummingbird
import HummingbirdWebSocket
import NIOCore
import PelotonEvents
import Synchronization

/// The request context of a WebSocket upgrade: the peer's address too, so the same token rule
/// as the rest of the API applies.
public struct PelotonWebSocketContext: RequestContext, WebSocketRequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let webSocket: WebSocketHandlerReference<Self>
    public let remoteAddress: SocketAddress?
    /// The subscription made before the upgrade is answered, for the upgraded socket to use.
    let subscription = PendingSubscription()

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        webSocket = .init()
        remoteAddress = source.channel.remoteAddress
    }
}

/// Carries a subscription from the upgrade request to the upgraded socket: made before the
/// 101 is sent, it hears every event published after the client sees the 101.
final class PendingSubscription: Sendable {
    private let events = Mutex<AsyncStream<MeshEvent>?>(nil)

    func hold(_ stream: AsyncStream<MeshEvent>) { events.withLock { $0 = stream } }
    func take() -> AsyncStream<MeshEvent>? { events.withLock { $0.take() } }
}

/// `GET /v1/events/{pattern}/ws`: the event stream over a WebSocket, one text message (an
/// event as JSON, as the server-sent stream sends it) per matching event. Messages from the
/// client are read and dropped; the socket closes when the client closes it or the node stops.
enum EventWebSocket {
    /// Upgrades only: the rest of the API is not on this router, so nothing else is matched
    /// against WebSocket requests.
    static func router(node: MeshNode, token: String?) -> Router<PelotonWebSocketContext> {
        let router = Router(context: PelotonWebSocketContext.self)
        router.add(middleware: OneErrorShape(routes: APIRoutes.documented))
        router.add(middleware: RemoteClientsNeedToken(token: token))
        router.ws("/v1/events/:topic/ws") { _, context in
            // A bad pattern is refused before the upgrade, with the same 400 as the stream's.
            let pattern = try EventEndpoint.pattern(try StrictURI.decode(context.parameters.require("topic"), what: "the topic pattern"))
            context.subscription.hold(node.subscribe(pattern))
            return .upgrade([:])
        } onUpgrade: { inbound, outbound, context in
            guard let events = context.requestContext.subscription.take() else { return }
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    // Ends when the client closes; what it sends means nothing here.
                    for try await _ in inbound.messages(maxSize: 4_096) {}
                }
                group.addTask {
                    for await event in events {
                        let json = (try? JSONReply.compact.encode(await node.view(of: event))) ?? Data()
                        try await outbound.write(.text(String(decoding: json, as: UTF8.self)))
                    }
                }
                // Either side ending (the client leaving, or the node stopping) ends both.
                _ = try await group.next()
                group.cancelAll()
            }
        }
        return router
    }
}
