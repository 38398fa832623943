import NIOCore
import PelotonCrypto
import PelotonServices
import PelotonWire

/// One long-lived, authenticated stream to a peer that carries many calls at once: requests
/// go out as they come, replies come back in any order and find their caller by request id.
/// When the stream breaks, every caller still waiting gets the transport error at once, so the
/// router can reissue without waiting for a timeout.
actor CallChannel {
    nonisolated let peer: NodeID
    private let outgoing: AsyncStream<[UInt8]>.Continuation
    private var waiting: [RequestID: [(ticket: UInt64, continuation: CheckedContinuation<CallReply, any Error>)]] = [:]
    private var nextTicket: UInt64 = 0
    private var closedBecause: String?

    init(peer: NodeID, outgoing: AsyncStream<[UInt8]>.Continuation) {
        self.peer = peer
        self.outgoing = outgoing
    }

    var isOpen: Bool { closedBecause == nil }

    /// Sends `request` and waits for its reply. Cancelling the caller stops the wait.
    func call(_ request: CallRequest) async throws -> CallReply {
        if let closedBecause { throw CallTransportError(closedBecause) }
        nextTicket += 1
        let ticket = nextTicket
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                waiting[request.id, default: []].append((ticket, continuation))
                outgoing.yield(NodePayload.call(request).wireBytes)
            }
        } onCancel: {
            Task { await self.abandon(request.id, ticket: ticket) }
        }
    }

    func deliver(_ reply: CallReply) {
        for waiter in waiting.removeValue(forKey: reply.id) ?? [] { waiter.continuation.resume(returning: reply) }
    }

    func close(because reason: String) {
        guard closedBecause == nil else { return }
        closedBecause = reason
        outgoing.finish()
        let abandoned = waiting
        waiting = [:]
        for waiter in abandoned.values.joined() { waiter.continuation.resume(throwing: CallTransportError(reason)) }
    }

    private func abandon(_ id: RequestID, ticket: UInt64) {
        guard var waiters = waiting[id], let index = waiters.firstIndex(where: { $0.ticket == ticket }) else { return }
        waiters.remove(at: index).continuation.resume(throwing: CancellationError())
        waiting[id] = waiters.isEmpty ? nil : waiters
    }
}

struct CallTransportError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The open call channels of a node, one per peer, opened on first use.
actor CallChannels {
    private var open: [NodeID: CallChannel] = [:]
    private var opening: [NodeID: Task<CallChannel, any Error>] = [:]

    /// The peer's channel, opening one with `connect` if there is none (concurrent callers
    /// share the same attempt).
    func channel(to peer: NodeID, connect: @escaping @Sendable () async throws -> CallChannel) async throws -> CallChannel {
        if let channel = open[peer], await channel.isOpen { return channel }
        if let pending = opening[peer] { return try await pending.value }
        let attempt = Task { try await connect() }
        opening[peer] = attempt
        defer { opening[peer] = nil }
        let channel = try await attempt.value
        open[peer] = channel
        return channel
    }

    func forget(_ channel: CallChannel) {
        if open[channel.peer] === channel { open[channel.peer] = nil }
    }

    func closeAll() async {
        for channel in open.values { await channel.close(because: "the node is stopping") }
        open = [:]
    }
}
