import NIOCore
import PelotonCrypto
import PelotonWire

/// The receiving half of an outgoing call stream, on the stream's event loop: opens each
/// sealed frame and hands the reply straight to the call waiting for it. Reading replies in a
/// task instead costs a hop to the task and another to the caller, for every reply.
///
/// Added right after the frame decoder once the handshake is done; frames never reach the
/// async channel behind it, whose inbound stream then only tells when the stream has ended.
final class CallReplyReader: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let calls: CallChannel
    private var opener: StreamOpener

    init(calls: CallChannel, opener: StreamOpener) {
        self.calls = calls
        self.opener = opener
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        do {
            guard case let .callReply(reply) = try NodePayload(wireBytes: try opener.open(Array(frame.readableBytesView))) else {
                throw UnexpectedStreamPayload()
            }
            calls.deliver(reply)
        } catch {
            // A frame that does not open, or is not a reply, ends the stream: every waiting
            // call then hears at once and is reissued.
            calls.close(because: "\(calls.peer.short) sent a bad reply frame: \(error)")
            context.close(promise: nil)
        }
    }

    /// Inserts the reader after `channel`'s frame decoder; call on the channel's event loop.
    static func install(on channel: any Channel, calls: CallChannel, opener: StreamOpener) throws {
        let pipeline = channel.pipeline.syncOperations
        let decoder = try pipeline.handler(type: ByteToMessageHandler<LengthPrefixedFrameDecoder>.self)
        try pipeline.addHandler(CallReplyReader(calls: calls, opener: opener), position: .after(decoder))
    }
}
