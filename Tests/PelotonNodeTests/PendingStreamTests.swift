import NIOCore
import NIOPosix
import Testing

@testable import PelotonNode

/// A stream accepted or connected that nobody takes (the node stopping as it arrives, a caller
/// whose time limit gave up on it) is closed; NIO would stop the process on a dropped writer.
@Suite(.timeLimit(.minutes(1))) struct PendingStreamTests {
    @Test func anAcceptedStreamNobodyTakesIsClosedNotCrashedOn() async throws {
        let group = MultiThreadedEventLoopGroup.singleton
        let server = try await ServerBootstrap(group: group)
            .bind(host: "127.0.0.1", port: 0) { channel in
                channel.eventLoop.makeCompletedFuture { try PendingStream(framing: channel, maxFrameBytes: 1 << 16) }
            }
        let port = try #require(server.channel.localAddress?.port)
        let accepting = Task {
            try await server.executeThenClose { accepted in
                // Dropped untaken, as a stopping node drops what it accepted last.
                for try await _ in accepted.prefix(3) {}
            }
        }
        for _ in 0..<3 {
            let pending = try await MeshNode.connect(to: try .init(host: "127.0.0.1", port: UInt16(port)), group: group, maxFrameBytes: 1 << 16)
            let client = try #require(pending.take())
            #expect(pending.take() == nil, "a stream is taken once")
            // The server's side closes, so the client's reads end.
            try await client.executeThenClose { inbound, _ in
                for try await _ in inbound {}
            }
        }
        try await accepting.value
    }

    @Test func aConnectedStreamNobodyTakesIsClosed() async throws {
        let group = MultiThreadedEventLoopGroup.singleton
        let server = try await ServerBootstrap(group: group)
            .bind(host: "127.0.0.1", port: 0) { channel in
                channel.eventLoop.makeCompletedFuture { try PendingStream(framing: channel, maxFrameBytes: 1 << 16) }
            }
        let port = try #require(server.channel.localAddress?.port)
        // Dropped at once, as a time limit drops a connection that came too late.
        _ = try await MeshNode.connect(to: try .init(host: "127.0.0.1", port: UInt16(port)), group: group, maxFrameBytes: 1 << 16)
        try await server.executeThenClose { accepted in
            for try await pending in accepted {
                let served = try #require(pending.take())
                try await served.executeThenClose { inbound, _ in
                    for try await _ in inbound {}
                }
                break
            }
        }
    }
}
