import NIOCore
import NIOPosix
import PelotonCore
import PelotonCrypto
import PelotonMembership
import PelotonNodeCore
import PelotonPlacement
import PelotonServices
import PelotonState
import PelotonWire
import Synchronization
import Tracing

/// One service's placement as the router reads it without entering the node's actor.
struct ServiceRingSnapshot: Sendable {
    let ring: HashRing
    let replicas: Int
    let addresses: [NodeID: NodeAddress]
    /// The version of the service each member on the ring offers.
    let versions: [NodeID: String]
    /// Whether every member offering it announces it idempotent.
    let idempotent: Bool
    let validUntil: Instant
}

/// A routed call's reply, with who answered it and after how many attempts.
public struct RoutedReply: Sendable {
    public let reply: CallReply
    /// The owner that produced the reply; nil when no owner did.
    public let servedBy: NodeID?
    public let attempts: Int
}

/// Request routing: any node takes a call, finds the service's owners on the ring, and asks
/// them in preference order (`CallPlan`) until one answers or the deadline passes. Calls to
/// other owners travel over one long-lived authenticated stream per peer (`CallChannel`).
extension MeshNode {
    /// Routes `request` to its owners (those `versions` accepts) and returns the first reply
    /// that is not a reason to try the next owner; always returns by the request's deadline.
    /// `attemptTimeout` replaces the configured one (work units run for longer than calls).
    public nonisolated func route(_ request: CallRequest, versions: VersionRule = .any, attemptTimeout: Duration? = nil) async -> RoutedReply {
        await inFlight.track {
            await tracer.span("route \(request.service).\(request.method)", carried: request.trace, root: .mayStartTrace) { span in
                let routed = await self.routeTracked(request, versions: versions, attemptTimeout: attemptTimeout ?? configuration.callAttemptTimeout)
                if let span { Self.describe(routed, of: request, in: span) }
                return routed
            }
        }
    }

    /// What a route span records: the call, how many owners were asked and who answered.
    private static func describe(_ routed: RoutedReply, of request: CallRequest, in span: any Span) {
        span.attributes["peloton.service"] = request.service
        span.attributes["peloton.method"] = request.method
        if let key = request.key { span.attributes["peloton.key"] = key }
        span.attributes["peloton.request_id"] = request.id.description
        span.attributes["peloton.attempts"] = routed.attempts
        if let owner = routed.servedBy { span.attributes["peloton.served_by"] = owner.description }
        if case let .failure(failure) = routed.reply.outcome { span.fail(failure) }
    }

    private nonisolated func routeTracked(_ request: CallRequest, versions: VersionRule, attemptTimeout: Duration) async -> RoutedReply {
        let start = Self.now()
        let deadline = start + .milliseconds(Int64(request.budgetMilliseconds))
        func unplaced(_ failure: CallFailure) -> RoutedReply {
            metrics.callRouted(service: "(none)", outcome: "\(failure.code)", attempts: 0, duration: Self.now() - start)
            return RoutedReply(reply: CallReply(id: request.id, outcome: .failure(failure)), servedBy: nil, attempts: 0)
        }
        let placement: (owners: [NodeID], addresses: [NodeID: NodeAddress])
        switch await self.placement(of: request.service, key: request.key, at: start, versions: versions) {
        case let .success(found) where !found.owners.isEmpty:
            placement = found
        case .success:
            // "Every owner is down" and "no such service" are different answers.
            return unplaced(await noOwnersFailure(request.service))
        case let .failure(failure):
            return unplaced(failure)
        }
        // A call that may have run at an owner goes on to the next only if running it twice
        // is harmless: the service says so (in its members' metadata), or the request is a
        // work unit (`JobRun` counts one result per unit).
        let reissuesInDoubt = request.service == Self.jobsService ? UnitDispatch.reissuesInDoubt : isIdempotent(request.service)
        var call = RoutedCall(id: request.id, owners: placement.owners, deadline: deadline, attemptTimeout: attemptTimeout, reissuesInDoubt: reissuesInDoubt)
        var step = call.start(at: start)
        while true {
            switch step {
            case let .finished(finish):
                return finished(finish, of: request, attempts: call.attempts, since: start)
            case let .attempt(owner, until):
                let number = call.attempts  // this attempt included
                let now = Self.now()
                let answer = await tracer.span("attempt \(number) \(request.service).\(request.method)", kind: .client) { span in
                    span?.attributes["peloton.owner"] = owner.description
                    span?.attributes["peloton.attempt"] = number
                    let answer = await self.attempt(request, at: owner, placement: placement, until: until, deadline: deadline, now: now)
                    if let span { Self.describe(answer, in: span) }
                    return answer
                }
                if let cause = Self.reissueCause(answer, at: owner) { reissuing(request, after: cause) }
                // The answer is for the attempt just made: never stale here.
                step = call.receive(answer, from: owner, at: Self.now()) ?? .finished(
                    RoutedCall.Finish(reply: CallReply(id: request.id, outcome: .failure(CallFailure(.unavailable, "the router lost its attempt"))), servedBy: nil))
            }
        }
    }

    /// Counts a finished call in the metrics and returns it. Only calls to a service some
    /// member offers get here (the rest are counted as "(none)" by `unplaced`): a client must
    /// not be able to grow the metrics without bound by calling made-up names.
    private nonisolated func finished(_ finish: RoutedCall.Finish, of request: CallRequest, attempts: Int, since start: Instant) -> RoutedReply {
        let outcome: String
        switch finish.reply.outcome {
        case .success: outcome = "ok"
        case let .failure(failure): outcome = "\(failure.code)"
        }
        metrics.callRouted(service: request.service, outcome: outcome, attempts: attempts, duration: Self.now() - start)
        return RoutedReply(reply: finish.reply, servedBy: finish.servedBy, attempts: attempts)
    }

    /// What the log says when an attempt did not end the call; nil for a final reply.
    private static func reissueCause(_ answer: RoutedCall.Answer, at owner: NodeID) -> String? {
        switch answer {
        case let .replied(reply):
            guard case let .failure(failure) = reply.outcome, failure.isRetriable else { return nil }
            return "\(owner.short) refused it: \(failure.message)"
        case let .notSent(reason): return "it never reached \(owner.short): \(reason)"
        case let .noAnswer(reason): return "\(owner.short) did not answer: \(reason)"
        }
    }

    /// Asks `owner` once: here, or over its call stream, with what is left of the deadline.
    private nonisolated func attempt(
        _ request: CallRequest, at owner: NodeID, placement: (owners: [NodeID], addresses: [NodeID: NodeAddress]), until: Instant, deadline: Instant,
        now: Instant
    ) async -> RoutedCall.Answer {
        var attempt = request
        attempt.budgetMilliseconds = UInt32(clamping: max(0, (deadline - now).nanosecondsClamped / 1_000_000))
        attempt.trace = traceToSend()
        do {
            if owner == id {
                // A handler may ignore cancellation: stop waiting for it at the limit all the
                // same, so the caller hears by the deadline.
                guard let answered = await serveLocally(attempt, within: until - now) else { throw TimedOut(limit: until - now) }
                return .replied(answered)
            }
            guard let address = placement.addresses[owner] else { throw CallTransportError("no address for \(owner.short)") }
            attempt.hops = request.hops &+ 1
            return .replied(try await self.forward(attempt, to: owner, at: address, within: until - now))
        } catch let error as CallNotSent {
            return .notSent("\(error)")
        } catch {
            return .noAnswer("\(error)")
        }
    }

    /// What an attempt span records: the outcome, and why it failed.
    private static func describe(_ answer: RoutedCall.Answer, in span: any Span) {
        switch answer {
        case let .replied(reply):
            if case let .failure(failure) = reply.outcome { span.fail(failure) }
        case let .notSent(reason):
            span.attributes["peloton.failure"] = "notSent"
            span.setStatus(SpanStatus(code: .error, message: reason))
        case let .noAnswer(reason):
            span.attributes["peloton.failure"] = "noAnswer"
            span.setStatus(SpanStatus(code: .error, message: reason))
        }
    }

    /// Notes that an attempt failed and the router goes on (if the plan lets it): at most one
    /// line a minute per service and cause, carrying the trace id when the node traces.
    private nonisolated func reissuing(_ request: CallRequest, after cause: String) {
        logLimited(.notice, subject: "call \(request.service)", reason: String(cause.prefix(while: { $0 != ":" })), "call \(request.service).\(request.method) \(request.id): \(cause); trying the next owner if there is one")
    }

    /// Why a call to `service` found no owner: 404 `noSuchService`, with what is on offer, when
    /// no member this node knows of (down ones too) offers it; else 503 `noOwners`.
    func noOwnersFailure(_ service: String) -> CallFailure {
        var offered = Set(services?.services.keys.map { $0 } ?? [])
        var everOffered = offered.contains(service)
        for member in membership.members {
            for announced in member.metadata.services {
                if member.isPlaceable { offered.insert(announced.name) }
                if announced.name == service { everOffered = true }
            }
        }
        if everOffered || service == StateKey.placementService || service == Self.jobsService {
            return CallFailure(.noOwners, "no alive member offers \(service) now")
        }
        let list = offered.sorted().joined(separator: ", ")
        return CallFailure(.noSuchService, status: 404, "no member offers a service named \(service); on offer: \(list.isEmpty ? "none" : list)")
    }

    /// Runs a call this node owns, waiting at most `limit` for it: nil when the handler took
    /// longer (it runs on, and its reply goes to the ledger for any reissue of the same id).
    /// The handler runs in a task of its own and a timer on the event loop ends the wait, so
    /// this returns at the limit even if the handler ignores cancellation.
    nonisolated func serveLocally(_ request: CallRequest, within limit: Duration) async -> CallReply? {
        let decided = FirstCome()
        // On an HTTP connection's loop, the timer and a quick service's handler stay there too:
        // nothing wakes another thread. Other handlers run on the shared pool.
        let loop = MultiThreadedEventLoopGroup.currentEventLoop
        let handlerExecutor: any TaskExecutor =
            if let loop, services?.runsOnEventLoop(request.service) == true { EventLoopTaskExecutor(loop) } else { globalConcurrentExecutor }
        return await withCheckedContinuation { continuation in
            let timer = (loop ?? group.next()).scheduleTask(in: .nanoseconds(limit.nanosecondsClamped)) {
                if decided.claim() { continuation.resume(returning: nil) }
            }
            Task(executorPreference: handlerExecutor) {
                let reply = await self.serveLocally(request)
                timer.cancel()
                if decided.claim() { continuation.resume(returning: reply) }
            }
        }
    }

    /// Runs a call this node owns; a draining node waits for these before it leaves.
    nonisolated func serveLocally(_ request: CallRequest) async -> CallReply {
        await inFlight.track { await self.serveTracked(request) }
    }

    private nonisolated func serveTracked(_ request: CallRequest) async -> CallReply {
        // A state request is background work unless it belongs to a traced call (anti-entropy
        // runs every few seconds); a service call starts a trace of its own.
        let isState = request.service == StateKey.placementService
        // The name is built only when a span is made: this runs for every call served.
        return await tracer.span(
            isState ? "serve \(StateRequest.name(ofWire: request.body))" : "serve \(request.service).\(request.method)", kind: .server, carried: request.trace, root: isState ? .onlyWithinTrace : .mayStartTrace) { span in
            span?.attributes["peloton.request_id"] = request.id.description
            let reply = await self.serveUntraced(request)
            if let span, case let .failure(failure) = reply.outcome { span.fail(failure) }
            return reply
        }
    }

    private nonisolated func serveUntraced(_ request: CallRequest) async -> CallReply {
        if request.service == StateKey.placementService { return await serveState(request) }
        if request.service == Self.jobsService { return await serveJob(request) }
        guard let services else {
            return CallReply(id: request.id, outcome: .failure(CallFailure(.notOffered, "this node offers no services")))
        }
        // Counted only for services offered here: a peer or client sending made-up names must
        // not grow the metrics without bound.
        if services.offers(request.service) { metrics.callServed(service: request.service) }
        return await services.handle(request)
    }

    /// Sends `request` to `owner` over its call stream, opening the stream if need be, and
    /// waits at most `limit` for the reply (then `TimedOut`).
    nonisolated func forward(_ request: CallRequest, to owner: NodeID, at address: NodeAddress, within limit: Duration) async throws -> CallReply {
        try await callChannels.call(request, to: owner, within: limit) { loop in try await self.openCallChannel(to: owner, at: address, on: loop) }
    }

    // MARK: - Call streams

    /// Connects to `owner` on `loop` (any of the node's when nil), proves both identities, and
    /// keeps the stream for calls. Fails if the node at `address` is not `owner`.
    nonisolated func openCallChannel(to owner: NodeID, at address: NodeAddress, on loop: (any EventLoop)?) async throws -> CallChannel {
        metrics.streamOpened(inbound: false)
        let callChannels = self.callChannels
        return try await CallChannel.open(
            to: address, expecting: owner, credentials: credentials, group: loop ?? group, maxFrameBytes: configuration.maxFrameBytes,
            handshakeTimeout: configuration.streamTimeout, logger: logger, onClose: { callChannels.forget($0) })
    }

    /// Serves a stream of calls from a peer (or a client): each runs as it arrives, and its
    /// reply goes back as soon as it is ready, in whatever order they finish. The stream is
    /// read on its event loop (the caller runs this with `EventLoopTaskExecutor`), and so are
    /// forwarded calls to services whose handlers run there; every other call runs on the
    /// shared pool.
    nonisolated func serveCalls(
        first: CallRequest, frames: inout NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator, session: SealedSession,
        channel: any Channel, streamLoop: EventLoopTaskExecutor
    ) async {
        var opener = session.opener
        let replies = SealedFrameWriter(channel: channel, sealer: session.sealer)
        let inFlight = InFlightCount()
        let limit = configuration.maxCallsInFlightPerStream
        await withDiscardingTaskGroup { handlers in
            var next: CallRequest? = first
            while let request = next {
                // One stream may not make this node run calls without bound: past the
                // limit, a call is refused at once (the router then asks the next owner).
                let handling = StreamCallHandling(request, services: services)
                if let refusal = handling.refusal {
                    metrics.dropped("reserved_service_from_client")
                    replies.send(NodePayload.callReply(CallReply(id: request.id, outcome: .failure(refusal))).wireBytes)
                } else if inFlight.enter(limit: limit) {
                    handlers.addTask(executorPreference: handling.onStreamLoop ? streamLoop : globalConcurrentExecutor) {
                        let reply = handling.servedHere ? await self.serveLocally(request) : await self.route(request).reply
                        inFlight.leave()
                        replies.send(NodePayload.callReply(reply).wireBytes)
                    }
                } else {
                    metrics.dropped("calls_in_flight_limit")
                    let refusal = CallReply(id: request.id, outcome: .failure(CallFailure(.overloaded, "more than \(limit) calls in flight on one stream")))
                    replies.send(NodePayload.callReply(refusal).wireBytes)
                }
                next = nil
                do {
                    guard let payload = try await Self.nextPayload(&frames, opener: &opener) else { break }
                    guard case let .call(request) = payload else {
                        metrics.dropped("unexpected_stream_message")
                        break
                    }
                    next = request
                } catch {
                    metrics.dropped("call_stream_failed")
                }
            }
        }
        // Every handler has answered: the replies are queued, and go out before the close.
        replies.close()
    }
}

/// How an owner handles a call that came in over a stream.
struct StreamCallHandling: Equatable {
    /// A forwarded call is answered here, never forwarded again; a client's call (no hops
    /// yet) is routed like one that came in over HTTP.
    let servedHere: Bool
    /// Only calls served here, to services whose handlers are quick, run on the loop that
    /// read them.
    let onStreamLoop: Bool
    /// Why the call is refused at once: a client (no hops yet) may use the mesh's own names
    /// only for state reads and writes (`PelotonClient`), never to run or cancel work units.
    var refusal: CallFailure? = nil
}

extension StreamCallHandling {
    init(_ request: CallRequest, services: ServiceHost?) {
        servedHere = request.hops != 0 || request.service == StateKey.placementService
        onStreamLoop = servedHere && services?.runsOnEventLoop(request.service) == true
        if request.hops == 0, request.service != StateKey.placementService, ServiceDefinition.isReserved(request.service) {
            refusal = CallFailure(.noSuchService, status: 404, "\(request.service) is not a service: names starting with \(ServiceDefinition.reservedPrefix) are the mesh's own")
        }
    }
}

/// Calls running for one stream.
private final class InFlightCount: Sendable {
    private let count = Mutex(0)

    /// Counts one more call unless `limit` are running; false when refused.
    func enter(limit: Int) -> Bool {
        count.withLock { count in
            guard count < limit else { return false }
            count += 1
            return true
        }
    }

    func leave() {
        count.withLock { $0 -= 1 }
    }
}
