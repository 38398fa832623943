import Glibc
import NIOCore
@testable import PelotonNode
import Testing

/// The gossip socket survives send errors: a refused send is an outcome, and the socket goes
/// on sending and receiving.
@Suite struct GossipSocketTests {
    @Test func aFailedSendIsCountedAndTheSocketGoesOn() async throws {
        let receiver = try GossipSocket(binding: try SocketAddress(ipAddress: "127.0.0.1", port: 0))
        let sender = try GossipSocket(binding: try SocketAddress(ipAddress: "127.0.0.1", port: 0))
        // Port 0 is not a destination: the kernel refuses the send (EINVAL), as it does under a
        // blackhole route.
        let refused = sender.send([1, 2, 3], to: try SocketAddress(ipAddress: "127.0.0.1", port: 0))
        guard case let .failed(reason) = refused else {
            Issue.record("a send to port 0 must fail, got \(refused)")
            return
        }
        #expect(!reason.isEmpty)
        let (stream, input) = AsyncStream.makeStream(of: GossipSocket.Received.self)
        receiver.receive(into: input)
        defer { receiver.stop() }
        let port = try #require(receiver.localPort())
        #expect(sender.send([7, 8, 9], to: try SocketAddress(ipAddress: "127.0.0.1", port: port)) == .sent)
        for await received in stream {
            if case let .datagram(bytes, source) = received {
                #expect(bytes == [7, 8, 9])
                #expect(source.ipAddress == "127.0.0.1")
                break
            }
        }
    }

    @Test func errnoNamesAreStableLabels() {
        #expect(GossipSocket.name(of: EINVAL) == "EINVAL")
        #expect(GossipSocket.name(of: EACCES) == "EACCES")
        #expect(GossipSocket.name(of: ENETUNREACH) == "ENETUNREACH")
        #expect(GossipSocket.name(of: 9999) == "errno_9999")
    }
}
