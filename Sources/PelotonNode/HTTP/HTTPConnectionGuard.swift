/// What one HTTP connection is waiting for, how long it may wait, and what a connection that
/// sends something unparseable gets: the decisions of `HTTPRequestGuard`, without NIO, so
/// they are tested on their own.
///
/// Hummingbird answers a malformed request only once a first request has been read, and has
/// no timeout before a request's head arrives; a client that sends garbage, or a header a byte
/// a second, would hold its connection for good. Here every malformed request is answered
/// (400, 408, 431 or 505 with the API's error shape) and its connection closed, and every wait
/// for the client has a limit.
struct HTTPConnectionGuard: Sendable {
    enum Phase: Equatable, Sendable {
        /// Connected; no request head yet. The header timeout runs.
        case awaitingFirstHead
        /// A response went out; waiting for the next request. The keep-alive timeout runs.
        case awaitingNextHead
        /// A request's head was passed on; its body is still arriving. The body timeout runs
        /// from each part.
        case readingBody
        /// The request was read; its answer is being made. No timeout: a call has its own
        /// deadline, and a stream of events is meant to last.
        case awaitingResponse
        /// Upgraded to a WebSocket: the guard leaves the pipeline.
        case upgraded
        /// Answered with a rejection, or given up on: nothing more goes in or out.
        case closing
    }

    /// Why the connection is refused, and how.
    struct Rejection: Equatable, Sendable {
        var status: Int
        var code: APIError.Code
        var message: String
        /// False when a response is already on its way: the connection is closed without one.
        var answers: Bool
        /// True when a handler is reading this request's body: it must see the failure rather
        /// than a body that merely ends early.
        var failsRequestInProgress: Bool
    }

    enum Action: Equatable, Sendable {
        case none
        /// (Re)start the connection's one timer.
        case arm(milliseconds: Int64)
        case disarm
        case reject(Rejection)
        /// Close without an answer (an idle kept-alive connection).
        case close
        /// After a `101 Switching Protocols`: the bytes are no longer HTTP.
        case leavePipeline
    }

    let limits: HTTPLimits
    private(set) var phase: Phase = .awaitingFirstHead
    /// A response's head went out and its end has not.
    private(set) var responseInFlight = false
    /// A malformed request that came in behind one still being answered: sent once that
    /// answer ends, so two responses never interleave.
    private var rejectionAfterResponse: Rejection?
    /// The server is stopping: close once the answer under way is out.
    private var closesAfterResponse = false

    init(limits: HTTPLimits) {
        self.limits = limits
    }

    /// False once the guard has given up: inbound parts are dropped, outbound writes refused.
    var isOpen: Bool { phase != .closing }

    mutating func connectionStarted() -> Action {
        .arm(milliseconds: limits.headerTimeoutMilliseconds)
    }

    mutating func headReceived() -> Action {
        guard phase == .awaitingFirstHead || phase == .awaitingNextHead else { return .none }
        phase = .readingBody
        return .arm(milliseconds: limits.bodyTimeoutMilliseconds)
    }

    mutating func bodyReceived() -> Action {
        guard phase == .readingBody else { return .none }
        return .arm(milliseconds: limits.bodyTimeoutMilliseconds)
    }

    mutating func endReceived() -> Action {
        guard phase == .readingBody else { return .none }
        phase = .awaitingResponse
        return .disarm
    }

    mutating func responseHeadSent(status: Int) -> Action {
        // Past a WebSocket upgrade the bytes are not HTTP: nothing here applies any more.
        guard phase != .closing, phase != .upgraded else { return .none }
        if status == 101 {
            phase = .upgraded
            rejectionAfterResponse = nil
            return .leavePipeline
        }
        // 1xx heads (100 Continue) are not the response itself.
        if status >= 200 { responseInFlight = true }
        return .none
    }

    mutating func responseEndSent() -> Action {
        guard phase != .closing, phase != .upgraded, responseInFlight else { return .none }
        responseInFlight = false
        if let pending = rejectionAfterResponse {
            rejectionAfterResponse = nil
            phase = .closing
            return .reject(pending)
        }
        switch phase {
        case .awaitingResponse where closesAfterResponse:
            phase = .closing
            return .close
        case .awaitingResponse:
            phase = .awaitingNextHead
            return .arm(milliseconds: limits.keepAliveTimeoutMilliseconds)
        case .awaitingFirstHead, .awaitingNextHead, .readingBody, .upgraded, .closing:
            // Answered before its body was read (an early refusal): the body timeout goes on
            // running while Hummingbird drains the rest.
            return .none
        }
    }

    /// The server is stopping (Hummingbird's graceful shutdown): a connection waiting for a
    /// request closes now, so a client holding half a request cannot hold up the stop for the
    /// header timeout; one with a request under way closes after its answer.
    mutating func quiesce() -> Action {
        switch phase {
        case .awaitingFirstHead, .awaitingNextHead:
            phase = .closing
            return .close
        case .readingBody, .awaitingResponse:
            closesAfterResponse = true
            return .none
        case .upgraded, .closing:
            return .none
        }
    }

    /// The decoder could not parse what the client sent.
    mutating func parseFailed(_ failure: Rejection) -> Action {
        guard phase != .closing, phase != .upgraded else { return .none }
        var rejection = failure
        if phase == .awaitingResponse {
            // A request sent behind the one still being answered: the refusal follows that
            // answer.
            rejection.answers = true
            rejection.failsRequestInProgress = false
            rejectionAfterResponse = rejection
            return .none
        }
        rejection.failsRequestInProgress = phase == .readingBody
        rejection.answers = !responseInFlight
        phase = .closing
        return .reject(rejection)
    }

    mutating func timerFired() -> Action {
        switch phase {
        case .awaitingFirstHead:
            phase = .closing
            return .reject(
                Self.timedOut("no complete request head arrived within \(limits.headerTimeoutMilliseconds) ms", answers: !responseInFlight, failsRequest: false))
        case .awaitingNextHead:
            phase = .closing
            return .close
        case .readingBody:
            phase = .closing
            return .reject(
                Self.timedOut("the request body stopped arriving for \(limits.bodyTimeoutMilliseconds) ms", answers: !responseInFlight, failsRequest: true))
        case .awaitingResponse, .upgraded, .closing:
            return .none
        }
    }

    private static func timedOut(_ message: String, answers: Bool, failsRequest: Bool) -> Rejection {
        Rejection(status: 408, code: .requestTimeout, message: message, answers: answers, failsRequestInProgress: failsRequest)
    }
}
