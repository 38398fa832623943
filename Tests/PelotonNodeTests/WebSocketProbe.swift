import NIOCore
import NIOPosix

/// A bare WebSocket client for the tests: the upgrade written by hand, then the server's
/// frames (unmasked, as RFC 6455 has servers send them) read until enough text messages came,
/// the server closed, or time ran out. Small on purpose: it checks what the node sends.
enum WebSocketProbe {
    struct Outcome {
        /// The status line of the answer to the upgrade, e.g. "HTTP/1.1 101 Switching Protocols".
        var status = ""
        var messages: [String] = []
        /// True when the server sent a close frame or closed the connection.
        var closedByServer = false
    }

    /// Connects, asks to upgrade `path`, runs `connected` once the upgrade is accepted, and
    /// collects up to `count` text messages within `limit`.
    static func run(port: Int, path: String, count: Int, within limit: Duration, connected: @escaping @Sendable () async -> Void = {}) async throws -> Outcome {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton).connect(host: "127.0.0.1", port: port) { channel in
            channel.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel) }
        }
        return try await channel.executeThenClose { inbound, outbound in
            try await outbound.write(ByteBuffer(string: "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"))
            return try await withThrowingTaskGroup(of: Outcome?.self) { group in
                group.addTask {
                    var outcome = Outcome()
                    var pending: [UInt8] = []
                    var upgraded = false
                    for try await chunk in inbound {
                        pending += chunk.readableBytesView
                        if !upgraded {
                            guard let end = pending.firstRange(of: Array("\r\n\r\n".utf8)) else { continue }
                            let head = String(decoding: pending[..<end.lowerBound], as: UTF8.self)
                            outcome.status = String(head.split(separator: "\r\n").first ?? "")
                            pending.removeSubrange(..<end.upperBound)
                            guard outcome.status.contains(" 101 ") else { return outcome }
                            upgraded = true
                            await connected()
                        }
                        while let (opcode, payload, used) = frame(in: pending) {
                            pending.removeFirst(used)
                            if opcode == 0x1 { outcome.messages.append(String(decoding: payload, as: UTF8.self)) }
                            if opcode == 0x8 {
                                outcome.closedByServer = true
                                return outcome
                            }
                            if outcome.messages.count >= count { return outcome }
                        }
                    }
                    outcome.closedByServer = upgraded
                    return outcome
                }
                group.addTask {
                    try await Task.sleep(for: limit)
                    return nil
                }
                let first = try await group.next() ?? nil
                group.cancelAll()
                return first ?? Outcome(status: "timed out")
            }
        }
    }

    /// One whole unmasked frame at the start of `bytes`: opcode, payload and bytes used.
    static func frame(in bytes: [UInt8]) -> (UInt8, ArraySlice<UInt8>, Int)? {
        guard bytes.count >= 2 else { return nil }
        var length = Int(bytes[1] & 0x7F)
        var header = 2
        if length == 126 {
            guard bytes.count >= 4 else { return nil }
            length = Int(bytes[2]) << 8 | Int(bytes[3])
            header = 4
        } else if length == 127 {
            guard bytes.count >= 10 else { return nil }
            length = bytes[2..<10].reduce(0) { $0 << 8 | Int($1) }
            header = 10
        }
        guard bytes.count >= header + length else { return nil }
        return (bytes[0] & 0x0F, bytes[header..<header + length], header + length)
    }
}
