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
        let connection = try await withTimeLimit(handshakeTimeout) {
            try await MeshNode.connect(to: address, group: group, maxFrameBytes: maxFrameBytes)
        }
        let (outgoing, outgoingInput) = AsyncStream.makeStream(of: [UInt8].self)
        let handshakeLimit = connection.channel.eventLoop.scheduleTask(in: .nanoseconds(handshakeTimeout.nanosecondsClamped)) {
            connection.channel.close(promise: nil)
        }
        return try await withCheckedThrowingContinuation { (ready: CheckedContinuation<CallChannel, any Error>) in
            Task {
                var channel: CallChannel?
                do {
                    try await connection.executeThenClose { inbound, outbound in
                        var frames = inbound.makeAsyncIterator()
                        var session = try await MeshNode.openSession(&frames, outbound, credentials: credentials)
                        handshakeLimit.cancel()
                        let peer = session.peer.nodeID
                        if let expected, peer != expected {
                            throw CallTransportError("the node at \(address) is \(peer.short), not \(expected.short)")
                        }
                        let opened = CallChannel(peer: peer, outgoing: outgoingInput, eventLoop: connection.channel.eventLoop)
                        channel = opened
                        ready.resume(returning: opened)
                        try await withThrowingTaskGroup(of: Void.self) { writer in
                            let sealer = session.sealer
                            writer.addTask { try await MeshNode.sendSealed(outgoing, sealer: sealer, to: outbound) }
                            while let payload = try await MeshNode.nextPayload(&frames, opener: &session.opener) {
                                guard case let .callReply(reply) = payload else { throw UnexpectedStreamPayload() }
                                opened.deliver(reply)
                            }
                            writer.cancelAll()
                        }
                    }
                    channel?.close(because: "\(address) closed the call stream")
                } catch {
                    logger.debug("call stream to \(address) ended: \(error)")
                    if let channel {
                        channel.close(because: "call stream to \(address) failed: \(error)")
                    } else {
                        outgoingInput.finish()
                        ready.resume(throwing: error)
                    }
                }
                if let channel { onClose(channel) }
            }
        }
    }
}
