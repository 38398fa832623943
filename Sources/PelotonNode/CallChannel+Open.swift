import Logging
import NIOCore
import NIOPosix
import PelotonCrypto
import PelotonMembership
import PelotonServices

extension CallChannel {
    /// Connects to `address`, runs the mutual handshake, and keeps the stream open for calls
    /// until either side closes it, when `onClose` runs. With `expecting`, a node with another
    /// identity at that address is refused.
    static func open(
        to address: NodeAddress, expecting expected: NodeID?, credentials: NodeCredentials, group: any EventLoopGroup,
        maxFrameBytes: Int, handshakeTimeout: Duration, logger: Logger, onClose: @escaping @Sendable (CallChannel) -> Void
    ) async throws -> CallChannel {
        let pending = try await withTimeLimit(handshakeTimeout) {
            try await MeshNode.connect(to: address, group: group, maxFrameBytes: maxFrameBytes)
        }
        guard let connection = pending.take() else { throw StreamAlreadyTaken() }
        let handshakeLimit = connection.channel.eventLoop.scheduleTask(in: .nanoseconds(handshakeTimeout.nanosecondsClamped)) {
            connection.channel.close(promise: nil)
        }
        return try await withCheckedThrowingContinuation { (ready: CheckedContinuation<CallChannel, any Error>) in
            Task {
                var channel: CallChannel?
                do {
                    try await connection.executeThenClose { inbound, outbound in
                        var frames = inbound.makeAsyncIterator()
                        let session = try await MeshNode.openSession(&frames, outbound, credentials: credentials)
                        handshakeLimit.cancel()
                        let peer = session.peer.nodeID
                        if let expected, peer != expected {
                            throw CallTransportError("the node at \(address) is \(peer.short), not \(expected.short)")
                        }
                        let writer = SealedFrameWriter(channel: connection.channel, sealer: session.sealer)
                        let opened = CallChannel(peer: peer, outgoing: writer, eventLoop: connection.channel.eventLoop)
                        let opener = session.opener
                        let nioChannel = connection.channel
                        try await nioChannel.eventLoop.submit {
                            try CallReplyReader.install(on: nioChannel, calls: opened, opener: opener)
                        }.get()
                        channel = opened
                        ready.resume(returning: opened)
                        // Replies go to the reader on the event loop; nothing else may come.
                        if try await frames.next() != nil { throw UnexpectedStreamPayload() }
                    }
                    channel?.close(because: "\(address) closed the call stream")
                } catch {
                    logger.debug("call stream to \(address) ended: \(error)")
                    if let channel {
                        channel.close(because: "call stream to \(address) failed: \(error)")
                    } else {
                        ready.resume(throwing: error)
                    }
                }
                if let channel { onClose(channel) }
            }
        }
    }
}
