import NIOCore
import NIOPosix
import PelotonCrypto
import PelotonMembership
import PelotonWire

/// Push-pull over TCP: one authenticated, encrypted exchange per connection. The handshake
/// (`StreamHandshake`) proves both identities; every frame after it is sealed with the
/// session's keys, so a stranger can neither read nor forge the exchange. Each side sends two
/// frames: its push-pull, then every revocation it knows (anti-entropy for revocations too).
extension MeshNode {
    /// Opens a stream to `address`, sends `message` (a push-pull) and feeds the reply back in.
    nonisolated func exchange(_ message: MembershipMessage, with address: NodeAddress) async {
        metrics.streamOpened(inbound: false)
        do {
            let revocations = await self.revocations
            let (peer, reply, peerRevocations) = try await withTimeLimit(configuration.streamTimeout) {
                try await self.request(message, revocations: revocations, at: address)
            }
            await receiveStreamReply(reply, revocations: peerRevocations, from: peer, address: address)
        } catch let error as HandshakeError {
            metrics.dropped(error.reason)
            logLimited(.warning, subject: "push-pull \(address)", reason: error.reason, "push-pull with \(address) refused: \(error)")
        } catch {
            metrics.dropped("stream_failed")
            logger.debug("push-pull with \(address) failed: \(error)")
        }
    }

    private nonisolated func request(
        _ message: MembershipMessage, revocations: [Revocation], at address: NodeAddress
    ) async throws -> (NodeCertificate, MembershipMessage, [Revocation]) {
        guard let channel = try await Self.connect(to: address, group: group, maxFrameBytes: configuration.maxFrameBytes).take() else {
            throw StreamAlreadyTaken()
        }
        let credentials = self.credentials
        return try await channel.executeThenClose { inbound, outbound in
            var frames = inbound.makeAsyncIterator()
            var session = try await Self.openSession(&frames, outbound, credentials: credentials)
            try await Self.send(message, revocations, sealer: &session.sealer, to: outbound)
            let (reply, peerRevocations) = try await Self.receive(&frames, opener: &session.opener)
            return (session.peer, reply, peerRevocations)
        }
    }

    /// A framed TCP connection to a peer's stream port.
    /// Pending until taken: a caller that stops waiting (a time limit) leaves it to close.
    static func connect(to address: NodeAddress, group: any EventLoopGroup, maxFrameBytes: Int) async throws -> PendingStream {
        try await ClientBootstrap(group: group)
            .connectTimeout(.seconds(2))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connect(host: address.host, port: Int(address.port)) { channel in
                channel.eventLoop.makeCompletedFuture { try PendingStream(framing: channel, maxFrameBytes: maxFrameBytes) }
            }
    }

    /// The initiator's side of the handshake: after it, both directions are sealed.
    static func openSession(
        _ frames: inout NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator, _ outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>,
        credentials: NodeCredentials
    ) async throws -> SealedSession {
        let initiator = HandshakeInitiator(identity: credentials.identity, certificate: credentials.certificate, authority: credentials.authority)
        try await outbound.write(ByteBuffer(bytes: initiator.hello))
        let (finish, session) = try initiator.finish(reply: try await nextFrame(&frames), now: unixSeconds())
        try await outbound.write(ByteBuffer(bytes: finish))
        return SealedSession(peer: session.peer, sealer: StreamSealer(key: session.keys.transmit), opener: StreamOpener(key: session.keys.receive))
    }

    /// The responder's side of the handshake.
    static func acceptSession(
        _ frames: inout NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator, _ outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>,
        credentials: NodeCredentials
    ) async throws -> SealedSession {
        var responder = HandshakeResponder(identity: credentials.identity, certificate: credentials.certificate, authority: credentials.authority)
        try await outbound.write(ByteBuffer(bytes: try responder.reply(to: try await nextFrame(&frames), now: unixSeconds())))
        let session = try responder.complete(finish: try await nextFrame(&frames))
        return SealedSession(peer: session.peer, sealer: StreamSealer(key: session.keys.transmit), opener: StreamOpener(key: session.keys.receive))
    }

    /// Answers one inbound stream. After the handshake, the first frame says what the stream
    /// is for: a push-pull (one exchange, then the stream closes) or calls (the stream stays
    /// open and carries many at once).
    nonisolated func serveStream(_ connection: NIOAsyncChannel<ByteBuffer, ByteBuffer>) async {
        metrics.streamOpened(inbound: true)
        let credentials = self.credentials
        // Bounds the handshake and a push-pull; a call stream cancels it once it is open.
        let timeLimit = connection.channel.eventLoop.scheduleTask(in: .nanoseconds(configuration.streamTimeout.nanosecondsClamped)) {
            connection.channel.close(promise: nil)
        }
        defer { timeLimit.cancel() }
        do {
            try await connection.executeThenClose { inbound, outbound in
                var frames = inbound.makeAsyncIterator()
                var session = try await Self.acceptSession(&frames, outbound, credentials: credentials)
                guard !(await self.isRevoked(session.peer.nodeID)) else {
                    metrics.dropped("revoked")
                    return
                }
                switch try await Self.requirePayload(&frames, opener: &session.opener) {
                case let .membership(request):
                    guard case let .revocations(peerRevocations) = try await Self.requirePayload(&frames, opener: &session.opener) else {
                        throw UnexpectedStreamPayload()
                    }
                    guard let (reply, revocations) = await self.answerStreamRequest(request, revocations: peerRevocations, from: session.peer) else {
                        return
                    }
                    try await Self.send(reply, revocations, sealer: &session.sealer, to: outbound)
                case let .call(first):
                    timeLimit.cancel()
                    let streamLoop = EventLoopTaskExecutor(connection.channel.eventLoop)
                    await withTaskExecutorPreference(streamLoop) {
                        await self.serveCalls(first: first, frames: &frames, session: session, channel: connection.channel, streamLoop: streamLoop)
                    }
                case .revocations, .callReply, .events:
                    throw UnexpectedStreamPayload()
                }
            }
        } catch let error as HandshakeError {
            metrics.dropped(error.reason)
            logLimited(.notice, subject: "inbound stream", reason: error.reason, "stream refused: \(error)")
        } catch {
            metrics.dropped("stream_failed")
            logger.debug("inbound stream failed: \(error)")
        }
    }

    /// One side's half of the exchange: its push-pull, then its revocations, each sealed.
    private static func send(
        _ message: MembershipMessage, _ revocations: [Revocation], sealer: inout StreamSealer,
        to outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    ) async throws {
        try await outbound.write(ByteBuffer(bytes: sealer.seal(NodePayload.membership(message).wireBytes)))
        try await outbound.write(ByteBuffer(bytes: sealer.seal(NodePayload.revocations(revocations).wireBytes)))
    }

    /// The peer's half, in the same order; anything else ends the stream.
    private static func receive(
        _ frames: inout NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator, opener: inout StreamOpener
    ) async throws -> (MembershipMessage, [Revocation]) {
        guard case let .membership(message) = try await requirePayload(&frames, opener: &opener),
              case let .revocations(revocations) = try await requirePayload(&frames, opener: &opener)
        else { throw UnexpectedStreamPayload() }
        return (message, revocations)
    }

    /// The next sealed frame, opened and decoded; nil when the peer closed the stream.
    static func nextPayload(
        _ frames: inout NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator, opener: inout StreamOpener
    ) async throws -> NodePayload? {
        guard let frame = try await frames.next() else { return nil }
        return try NodePayload(wireBytes: try opener.open(Array(frame.readableBytesView)))
    }

    /// The next sealed frame of an exchange that is not over yet.
    private static func requirePayload(
        _ frames: inout NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator, opener: inout StreamOpener
    ) async throws -> NodePayload {
        guard let payload = try await nextPayload(&frames, opener: &opener) else { throw StreamClosedEarly() }
        return payload
    }

    static func nextFrame(_ frames: inout NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator) async throws -> [UInt8] {
        guard let frame = try await frames.next() else { throw StreamClosedEarly() }
        return Array(frame.readableBytesView)
    }

    // MARK: - Into the state machine

    func receiveStreamReply(_ reply: MembershipMessage, revocations: [Revocation], from peer: NodeCertificate, address: NodeAddress) {
        for revocation in revocations { learn(revocation) }
        guard !isRevoked(peer.nodeID) else {
            metrics.dropped("revoked")
            return
        }
        guard case .pushPull(isReply: true, _, _) = reply else {
            metrics.dropped("unexpected_stream_message")
            return
        }
        membership.learn(peer)
        perform(deliver(reply, from: peer.nodeID, address: address))
    }

    /// A peer's push-pull: merge it, and return the reply and revocations for the same stream.
    func answerStreamRequest(
        _ request: MembershipMessage, revocations peerRevocations: [Revocation], from peer: NodeCertificate
    ) -> (MembershipMessage, [Revocation])? {
        for revocation in peerRevocations { learn(revocation) }
        guard !isRevoked(peer.nodeID) else {
            metrics.dropped("revoked")
            return nil
        }
        // The sender lists itself first; that entry says where it gossips from.
        guard case let .pushPull(isReply: false, _, members) = request,
              let address = members.first(where: { $0.id == peer.nodeID })?.address
        else {
            metrics.dropped("unexpected_stream_message")
            return nil
        }
        membership.learn(peer)
        var reply: MembershipMessage?
        var rest: [MembershipEffect] = []
        for effect in deliver(request, from: peer.nodeID, address: address) {
            if reply == nil, case let .send(message, destination) = effect, destination == address,
               case .pushPull(isReply: true, _, _) = message {
                reply = message
            } else {
                rest.append(effect)
            }
        }
        perform(rest)
        return reply.map { ($0, revocations) }
    }
}

/// A stream after its handshake: who is on the other end, and the keys of both directions.
struct SealedSession {
    let peer: NodeCertificate
    var sealer: StreamSealer
    var opener: StreamOpener
}

struct UnexpectedStreamPayload: Error, CustomStringConvertible {
    var description: String { "the peer sent frames out of the push-pull order" }
}

struct StreamClosedEarly: Error, CustomStringConvertible {
    var description: String { "the peer closed the stream mid-exchange" }
}
