import NIOCore
import NIOEmbedded
@testable import PelotonNode
import Testing

@Suite struct FrameCodecTests {
    private func channel(limit: Int = 64) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(LengthPrefixedFrameDecoder(maxFrameBytes: limit)))
        try channel.pipeline.syncOperations.addHandler(MessageToByteHandler(LengthPrefixedFrameEncoder()))
        return channel
    }

    @Test func framesSurviveArbitrarySplitsAndEncodeWithTheirLength() throws {
        let channel = try channel()
        var wire = ByteBuffer()
        for payload in [[UInt8](), [1], [UInt8](repeating: 7, count: 64)] {
            wire.writeInteger(UInt32(payload.count))
            wire.writeBytes(payload)
        }
        // One byte at a time: the decoder must wait for whole frames.
        while let byte = wire.readSlice(length: 1) { try channel.writeInbound(byte) }
        #expect(try channel.readInbound(as: ByteBuffer.self).map { Array($0.readableBytesView) } == [])
        #expect(try channel.readInbound(as: ByteBuffer.self).map { Array($0.readableBytesView) } == [1])
        #expect(try channel.readInbound(as: ByteBuffer.self)?.readableBytes == 64)
        #expect(try channel.readInbound(as: ByteBuffer.self) == nil)

        try channel.writeOutbound(ByteBuffer(bytes: [9, 9]))
        let encoded = try channel.readOutbound(as: ByteBuffer.self)
        #expect(encoded.map { Array($0.readableBytesView) } == [0, 0, 0, 2, 9, 9])
        _ = try channel.finish()
    }

    @Test func aLengthAboveTheLimitFailsBeforeAnythingIsBuffered() throws {
        let channel = try channel(limit: 16)
        var header = ByteBuffer()
        header.writeInteger(UInt32.max)
        #expect(throws: FrameTooLarge.self) { try channel.writeInbound(header) }
        _ = try? channel.finish()
    }
}
