import NIOCore
import NIOPosix
import PelotonCrypto
import PelotonServices
import PelotonWire
import Synchronization

/// One long-lived, authenticated stream to a peer that carries many calls at once: requests
/// go out as they come, replies come back in any order and find their caller by request id.
/// When the stream breaks, every caller still waiting gets the transport error at once, so the
/// router can reissue without waiting for a timeout.
///
/// A lock rather than an actor: a call registers and a reply resumes its caller without a hop
/// to another executor. Time limits are checked by one sweep on the stream's event loop
/// rather than a timer (or a timer task) per call: at thousands of calls a second those cost
/// more than the call.
final class CallChannel: Sendable {
    let peer: NodeID
    private let outgoing: SealedFrameWriter
    private let state = Mutex(State())
    private let sweep = Mutex<RepeatedTask?>(nil)

    /// How often waiting calls are checked against their time limits: the limit is kept to
    /// within this much.
    static let sweepInterval = TimeAmount.milliseconds(20)

    private struct Waiter {
        let ticket: UInt64
        let limit: Duration
        let deadline: NIODeadline
        /// Resumed exactly once: whoever removes the waiter from `waiting` under the lock
        /// (the reply, the sweep, a cancellation or the close) resumes it, and a refused
        /// registration never enters it. So the unchecked kind, without the checked kind's
        /// bookkeeping on every call.
        let continuation: UnsafeContinuation<CallReply, any Error>
    }

    private struct State {
        var waiting: [RequestID: [Waiter]] = [:]
        var closedBecause: String?
    }

    private let tickets = Atomic<UInt64>(0)

    init(peer: NodeID, outgoing: SealedFrameWriter, eventLoop: any EventLoop) {
        self.peer = peer
        self.outgoing = outgoing
        let task = eventLoop.scheduleRepeatedTask(initialDelay: Self.sweepInterval, delay: Self.sweepInterval) { [weak self] _ in
            self?.expire(now: .now())
        }
        sweep.withLock { $0 = task }
    }

    deinit { sweep.withLock { $0?.cancel() } }

    var isOpen: Bool { state.withLock { $0.closedBecause == nil } }

    /// Sends `request` and waits for its reply, at most `limit` (then `TimedOut`). Cancelling
    /// the caller stops the wait.
    func call(_ request: CallRequest, within limit: Duration) async throws -> CallReply {
        let ticket = tickets.wrappingAdd(1, ordering: .relaxed).newValue
        let deadline = NIODeadline.now() + .nanoseconds(limit.nanosecondsClamped)
        return try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { continuation in
                // Registration and cancellation both take the lock: a caller cancelled before
                // it registered sees it here and never waits.
                let refusal: (any Error)? = state.withLock { state in
                    if let reason = state.closedBecause { return CallNotSent(CallTransportError(reason)) }
                    if Task.isCancelled { return CancellationError() }
                    state.waiting[request.id, default: []].append(Waiter(ticket: ticket, limit: limit, deadline: deadline, continuation: continuation))
                    return nil
                }
                if let refusal {
                    continuation.resume(throwing: refusal)
                } else {
                    outgoing.send(NodePayload.call(request).wireBytes)
                }
            }
        } onCancel: {
            abandon(request.id, ticket: ticket)
        }
    }

    func deliver(_ reply: CallReply) {
        let waiters = state.withLock { $0.waiting.removeValue(forKey: reply.id) ?? [] }
        for waiter in waiters { waiter.continuation.resume(returning: reply) }
    }

    func close(because reason: String) {
        let abandoned = state.withLock { state -> [RequestID: [Waiter]] in
            guard state.closedBecause == nil else { return [:] }
            state.closedBecause = reason
            defer { state.waiting = [:] }
            return state.waiting
        }
        sweep.withLock { $0?.cancel() }
        outgoing.close()
        for waiter in abandoned.values.joined() { waiter.continuation.resume(throwing: CallTransportError(reason)) }
    }

    private func abandon(_ id: RequestID, ticket: UInt64) {
        let abandoned = state.withLock { state -> Waiter? in
            guard var waiters = state.waiting[id], let index = waiters.firstIndex(where: { $0.ticket == ticket }) else { return nil }
            let waiter = waiters.remove(at: index)
            state.waiting[id] = waiters.isEmpty ? nil : waiters
            return waiter
        }
        abandoned?.continuation.resume(throwing: CancellationError())
    }

    /// Ends every wait whose time limit has passed with `TimedOut`.
    private func expire(now: NIODeadline) {
        let expired = state.withLock { state -> [Waiter] in
            var expired: [Waiter] = []
            for (id, waiters) in state.waiting where waiters.contains(where: { $0.deadline <= now }) {
                expired += waiters.filter { $0.deadline <= now }
                let kept = waiters.filter { $0.deadline > now }
                state.waiting[id] = kept.isEmpty ? nil : kept
            }
            return expired
        }
        for waiter in expired { waiter.continuation.resume(throwing: TimedOut(limit: waiter.limit)) }
    }
}

struct CallTransportError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A call that failed before its request left this node (no stream could be opened, or the
/// stream was closed already): the owner cannot have run it, so another owner may be asked.
/// Every other failure of a sent call leaves it in doubt.
struct CallNotSent: Error, CustomStringConvertible {
    let cause: any Error
    init(_ cause: any Error) { self.cause = cause }
    var description: String { "not sent: \(cause)" }
}

/// The open call channels of a node, one per peer and event loop, opened on first use;
/// concurrent callers share one opening attempt. A call made on an event loop (an HTTP
/// connection's, see `ConnectionsOnTheirLoops`) goes out on a stream of that loop, so its
/// frame is written and its reply read and resumed without crossing threads; calls made
/// elsewhere share one more stream per peer.
final class CallChannels: Sendable {
    private enum Entry {
        case open(CallChannel)
        case opening(Task<CallChannel, any Error>)
    }

    private struct Key: Hashable {
        let peer: NodeID
        /// The event loop whose calls use the stream; nil for calls made off the loops.
        let loop: ObjectIdentifier?
    }

    private let entries = Mutex<[Key: Entry]>([:])

    /// Sends `request` over the channel to `peer` (opened with `connect` on the caller's event
    /// loop, or any when it is not on one, if need be) and waits for the reply: opening and
    /// waiting together take at most `limit`.
    func call(
        _ request: CallRequest, to peer: NodeID, within limit: Duration, connect: @escaping @Sendable ((any EventLoop)?) async throws -> CallChannel
    ) async throws -> CallReply {
        let start = ContinuousClock.now
        let loop = MultiThreadedEventLoopGroup.currentEventLoop
        let channel: CallChannel
        do {
            channel = try await self.channel(for: Key(peer: peer, loop: loop.map { ObjectIdentifier($0) }), within: limit) { try await connect(loop) }
        } catch let error as CancellationError {
            throw error
        } catch {
            throw CallNotSent(error)
        }
        return try await channel.call(request, within: limit - (ContinuousClock.now - start))
    }

    /// The open channel for `key`, or one opened now within `limit`: the stream is usually
    /// open, and only opening it needs a time limit of its own.
    private func channel(for key: Key, within limit: Duration, connect: @escaping @Sendable () async throws -> CallChannel) async throws -> CallChannel {
        if let open = entries.withLock({ entries -> CallChannel? in
            if case let .open(channel)? = entries[key], channel.isOpen { return channel }
            return nil
        }) {
            return open
        }
        return try await withTimeLimit(limit) { try await self.channel(for: key, connect: connect) }
    }

    private func channel(for key: Key, connect: @escaping @Sendable () async throws -> CallChannel) async throws -> CallChannel {
        let entry = entries.withLock { entries -> Entry in
            if let existing = entries[key] {
                switch existing {
                case let .open(channel) where channel.isOpen: return existing
                case .opening: return existing
                case .open: break
                }
            }
            let attempt = Entry.opening(Task { try await connect() })
            entries[key] = attempt
            return attempt
        }
        switch entry {
        case let .open(channel):
            return channel
        case let .opening(attempt):
            do {
                let channel = try await attempt.value
                entries.withLock { entries in
                    if case .opening = entries[key] { entries[key] = .open(channel) }
                }
                return channel
            } catch {
                entries.withLock { entries in
                    if case .opening = entries[key] { entries[key] = nil }
                }
                throw error
            }
        }
    }

    func forget(_ channel: CallChannel) {
        entries.withLock { entries in
            for (key, entry) in entries where key.peer == channel.peer {
                if case let .open(known) = entry, known === channel { entries[key] = nil }
            }
        }
    }

    func closeAll() {
        let all = entries.withLock { entries -> [Entry] in
            defer { entries = [:] }
            return Array(entries.values)
        }
        for case let .open(channel) in all { channel.close(because: "the node is stopping") }
    }
}
