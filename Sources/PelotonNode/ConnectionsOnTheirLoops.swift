import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOHTTP1

/// Runs each HTTP connection's task on its channel's event loop, where Hummingbird would run
/// it on the shared pool. A forwarded call then stays on one thread from the request's bytes
/// to the response: `CallChannels` sends it on the stream of the loop it runs on, and the
/// owner's reply resumes it there. `CallsBeforeRouter` sends every other request to the shared
/// pool, so only the call path, which never blocks, and WebSocket sessions, which only move
/// events, run on the loop.
///
/// It also guards each connection: `ConnectionAdmission` caps how many are open, and an
/// `HTTPRequestGuard` behind the decoder answers malformed requests and slow clients.
struct ConnectionsOnTheirLoops<Inner: ServerChildChannel>: ServerChildChannel {
    typealias Value = Inner.Value
    let inner: Inner
    let limits: HTTPLimits
    let admission: ConnectionAdmission
    let metrics: NodeMetrics

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let client = channel.remoteAddress?.ipAddress ?? "unknown"
        let refusal = admission.admit(client: client)
        if refusal == nil {
            channel.closeFuture.whenComplete { [admission] _ in admission.release(client: client) }
        }
        return inner.setup(channel: channel, logger: logger).flatMapThrowing { [limits, metrics] value in
            let operations = channel.pipeline.syncOperations
            if let refusal {
                metrics.httpRejected(refusal == .nodeFull ? "nodeFull" : "clientFull")
                try operations.addHandler(RefuseConnection(refusal: refusal, limits: limits), position: .first)
                return value
            }
            let decoder = try operations.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self)
            try operations.addHandler(
                HTTPRequestGuard(limits: limits, rejected: { metrics.httpRejected($0.rawValue) }), position: .after(decoder))
            return value
        }
    }

    func handle(value: Value, logger: Logger) async {
        // Hummingbird logs every connection that closes before its first request at error
        // level; the guard closes such connections on purpose and counts them
        // (`peloton_http_rejected_total`), so a flood of garbage cannot flood the log.
        var quiet = logger
        quiet.logLevel = .critical
        await withTaskExecutorPreference(EventLoopTaskExecutor(value.channel.eventLoop)) {
            await inner.handle(value: value, logger: quiet)
        }
    }
}

/// The one handler of a connection past the node's caps: answers 503 at once and closes,
/// reading nothing.
final class RefuseConnection: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    private let response: [UInt8]
    private var answered = false

    init(refusal: ConnectionQuota.Refusal, limits: HTTPLimits) {
        let message =
            switch refusal {
            case .nodeFull: "this node has \(limits.maxConnections) HTTP connections open, its limit: try again shortly or another node"
            case .clientFull: "this client address has \(limits.maxConnectionsPerClient) HTTP connections open to this node, its limit: reuse them"
            }
        let body = APIError(.serviceUnavailable, .tooManyConnections, message).jsonBody()
        let head =
            "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: \(body.count)\r\nRetry-After: 1\r\nConnection: close\r\n\r\n"
        response = Array(head.utf8) + Array(body)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { answer(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        answer(context: context)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}

    private func answer(context: ChannelHandlerContext) {
        guard !answered else { return }
        answered = true
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: response))).whenComplete { _ in
            context.closeLingering()
        }
    }
}

extension HTTPServerBuilder {
    /// HTTP/1 with WebSocket upgrades, as `.http1WebSocketUpgrade(webSocketRouter:)`, with each
    /// connection on its own event loop and guarded.
    static func http1WebSocketUpgradeOnConnectionLoops<WebSocketResponder: HTTPResponder>(
        webSocketResponder: WebSocketResponder, limits: HTTPLimits = HTTPLimits(), metrics: NodeMetrics = NodeMetrics()
    ) -> HTTPServerBuilder where WebSocketResponder.Context: WebSocketRequestContext {
        let admission = ConnectionAdmission(limits: limits)
        let http1 = HTTP1Channel.Configuration(
            httpDecoderConfiguration: .init(
                maxHeaderFieldSize: limits.maxHeaderFieldBytes, maxHeaderListSize: limits.maxHeaderBytes, maxHeaderFieldCount: limits.maxHeaderCount))
        return HTTPServerBuilder { responder in
            ConnectionsOnTheirLoops(
                inner: HTTP1WebSocketUpgradeChannel(responder: responder, webSocketResponder: webSocketResponder, configuration: .init(http1: http1)),
                limits: limits, admission: admission, metrics: metrics)
        }
    }
}
