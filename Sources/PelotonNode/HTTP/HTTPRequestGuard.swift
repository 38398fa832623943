import Foundation
import NIOCore
import NIOHTTP1

/// Sits right behind the HTTP/1 decoder and carries out `HTTPConnectionGuard`'s decisions:
/// answers what the decoder cannot parse, times out clients that stop sending, and leaves the
/// pipeline when a connection becomes a WebSocket.
final class HTTPRequestGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private var machine: HTTPConnectionGuard
    /// When the wait under way gives up; nil when none runs. Moving it costs nothing: the one
    /// scheduled task (`timer`) looks at it when it fires and sleeps on if it has moved, so a
    /// kept-alive connection's requests schedule no task of their own. The task wakes at least
    /// every `checkInterval` (an eighth of the shortest timeout), so a deadline moved earlier
    /// is acted on that late at most.
    private var deadline: NIODeadline?
    private var timer: Scheduled<Void>?
    private let checkInterval: TimeAmount
    private var started = false
    /// Counts each refusal by its code (`peloton_http_rejected_total`).
    private let rejected: @Sendable (APIError.Code) -> Void

    init(limits: HTTPLimits, rejected: @escaping @Sendable (APIError.Code) -> Void) {
        machine = HTTPConnectionGuard(limits: limits)
        self.rejected = rejected
        let shortest = min(limits.headerTimeoutMilliseconds, limits.keepAliveTimeoutMilliseconds, limits.bodyTimeoutMilliseconds)
        checkInterval = .milliseconds(max(1, shortest / 8))
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { start(context: context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        stopTimer()
    }

    func channelActive(context: ChannelHandlerContext) {
        start(context: context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        stopTimer()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard machine.isOpen else { return }
        switch unwrapInboundIn(data) {
        case .head: perform(machine.headReceived(), context: context)
        case .body: perform(machine.bodyReceived(), context: context)
        case .end: perform(machine.endReceived(), context: context)
        }
        context.fireChannelRead(data)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent { perform(machine.quiesce(), context: context) }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parseError = error as? HTTPParserError else {
            context.fireErrorCaught(error)
            return
        }
        perform(machine.parseFailed(Self.rejection(for: parseError, limits: machine.limits)), context: context, cause: parseError)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard machine.isOpen else {
            // A handler still answering the request that was refused: its bytes would follow
            // the refusal on the wire.
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        let part = unwrapOutboundIn(data)
        context.write(data, promise: promise)
        switch part {
        case .head(let head): perform(machine.responseHeadSent(status: Int(head.status.code)), context: context)
        case .body: break
        case .end: perform(machine.responseEndSent(), context: context)
        }
    }

    private func start(context: ChannelHandlerContext) {
        guard !started else { return }
        started = true
        perform(machine.connectionStarted(), context: context)
    }

    private func perform(_ action: HTTPConnectionGuard.Action, context: ChannelHandlerContext, cause: (any Error)? = nil) {
        switch action {
        case .none:
            break
        case .arm(let milliseconds):
            let due = NIODeadline.now() + .milliseconds(milliseconds)
            deadline = due
            if timer == nil { schedule(at: due, context: context) }
        case .disarm:
            deadline = nil
        case .close:
            stopTimer()
            // After a response's end, which may not be flushed yet.
            context.flush()
            context.close(promise: nil)
        case .leavePipeline:
            stopTimer()
            // The 101 came as writeAndFlush: its flush would reach a handler no longer here.
            context.flush()
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        case .reject(let rejection):
            stopTimer()
            rejected(rejection.code)
            if rejection.failsRequestInProgress {
                // The handler reading this body sees the failure, not an early end.
                context.fireErrorCaught(cause ?? RequestTimedOut())
            }
            guard rejection.answers else {
                context.close(promise: nil)
                return
            }
            let body = APIError(.init(code: rejection.status), rejection.code, rejection.message).jsonBody()
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: "application/json; charset=utf-8")
            headers.add(name: "Content-Length", value: "\(body.count)")
            headers.add(name: "Connection", value: "close")
            let head = HTTPResponseHead(version: .http1_1, status: .init(statusCode: rejection.status), headers: headers)
            context.write(wrapOutboundOut(.head(head)), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in context.closeLingering() }
        }
    }

    private func schedule(at due: NIODeadline, context: ChannelHandlerContext) {
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(deadline: min(due, NIODeadline.now() + checkInterval)) {
            let (handler, context) = loopBound.value
            handler.timer = nil
            guard let deadline = handler.deadline else { return }
            if deadline > NIODeadline.now() {
                // Moved later since: sleep until then.
                handler.schedule(at: deadline, context: context)
                return
            }
            handler.deadline = nil
            handler.perform(handler.machine.timerFired(), context: context, cause: RequestTimedOut())
        }
    }

    private func stopTimer() {
        deadline = nil
        timer?.cancel()
        timer = nil
    }

    /// What each of the decoder's complaints is answered with.
    static func rejection(for error: HTTPParserError, limits: HTTPLimits) -> HTTPConnectionGuard.Rejection {
        let (status, code, message): (Int, APIError.Code, String) =
            switch error {
            case .headerOverflow:
                (431, .headersTooLarge,
                 "the request line or headers are too large: at most \(limits.maxHeaderFieldBytes) bytes a line, \(limits.maxHeaderBytes) in all, \(limits.maxHeaderCount) headers")
            case .invalidVersion:
                (505, .versionNotSupported, "this node speaks HTTP/1.0 and HTTP/1.1")
            case .invalidMethod:
                (400, .badRequest, "not an HTTP/1.1 request, or a method this node does not know")
            case .invalidContentLength, .unexpectedContentLength:
                (400, .badRequest, "Content-Length must be one non-negative number, given once and not with chunked encoding")
            case .invalidChunkSize:
                (400, .badRequest, "malformed chunked body")
            case .invalidEOFState:
                (400, .badRequest, "the connection ended before the request did (a body shorter than its Content-Length?)")
            default:
                (400, .badRequest, "malformed HTTP request (\(error))")
            }
        return .init(status: status, code: code, message: message, answers: true, failsRequestInProgress: false)
    }
}

extension ChannelHandlerContext {
    /// Closes after an answer to a client that may still be sending: closing at once with its
    /// bytes unread would reset the connection and lose the answer, so the node stops writing,
    /// reads and drops what still comes for a moment, then closes.
    func closeLingering(forMilliseconds linger: Int64 = 2_000) {
        close(mode: .output, promise: nil)
        let channel = self.channel
        channel.eventLoop.scheduleTask(in: .milliseconds(linger)) { channel.close(promise: nil) }
    }
}

/// The body (or head) of a request stopped arriving.
struct RequestTimedOut: Error, CustomStringConvertible {
    var description: String { "the request stopped arriving before it was complete" }
}
