import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import Logging
import NIOCore

/// Runs each HTTP connection's task on its channel's event loop, where Hummingbird would run
/// it on the shared pool. A forwarded call then stays on one thread from the request's bytes
/// to the response: `CallChannels` sends it on the stream of the loop it runs on, and the
/// owner's reply resumes it there. `CallsBeforeRouter` sends every other request to the shared
/// pool, so only the call path, which never blocks, and WebSocket sessions, which only move
/// events, run on the loop.
struct ConnectionsOnTheirLoops<Inner: ServerChildChannel>: ServerChildChannel {
    typealias Value = Inner.Value
    let inner: Inner

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> { inner.setup(channel: channel, logger: logger) }

    func handle(value: Value, logger: Logger) async {
        await withTaskExecutorPreference(EventLoopTaskExecutor(value.channel.eventLoop)) {
            await inner.handle(value: value, logger: logger)
        }
    }
}

extension HTTPServerBuilder {
    /// HTTP/1 with WebSocket upgrades, as `.http1WebSocketUpgrade(webSocketRouter:)`, with each
    /// connection on its own event loop.
    static func http1WebSocketUpgradeOnConnectionLoops<WebSocketResponder: HTTPResponder>(
        webSocketResponder: WebSocketResponder
    ) -> HTTPServerBuilder where WebSocketResponder.Context: WebSocketRequestContext {
        HTTPServerBuilder { responder in
            ConnectionsOnTheirLoops(inner: HTTP1WebSocketUpgradeChannel(responder: responder, webSocketResponder: webSocketResponder, configuration: .init()))
        }
    }
}
