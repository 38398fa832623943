import Foundation
import NIOCore
import NIOPosix

/// A raw TCP client for the HTTP hardening tests: writes bytes exactly as given (malformed on
/// purpose), optionally in pieces with pauses, and reads until the server closes or time runs
/// out. It reports what came back and whether the server closed.
enum RawHTTPProbe {
    struct Outcome: CustomStringConvertible {
        var received: [UInt8] = []
        /// True when the server closed (or reset) the connection within the limit.
        var closedByServer = false
        var text: String { String(decoding: received, as: UTF8.self) }
        /// The status line's code, e.g. 400; nil when nothing parseable came back.
        var status: Int? {
            guard text.hasPrefix("HTTP/1.1 "), text.count >= 12 else { return nil }
            return Int(text.dropFirst(9).prefix(3))
        }
        /// The first response's body (after the blank line).
        var body: String { text.range(of: "\r\n\r\n").map { String(text[$0.upperBound...]) } ?? "" }
        var description: String { "closed: \(closedByServer), received: \(text.prefix(300))" }
    }

    static func send(port: Int, _ pieces: [[UInt8]], pause: Duration = .zero, within limit: Duration = .seconds(5)) async throws -> Outcome {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.allowRemoteHalfClosure, value: true)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel) }
            }
        return try await channel.executeThenClose { inbound, outbound in
            try await withThrowingTaskGroup(of: Outcome?.self) { group in
                group.addTask {
                    var outcome = Outcome()
                    do {
                        for try await chunk in inbound { outcome.received += chunk.readableBytesView }
                    } catch {
                        // A reset after the answer counts as closed too.
                    }
                    outcome.closedByServer = true
                    return outcome
                }
                group.addTask {
                    for (index, piece) in pieces.enumerated() {
                        if index > 0, pause > .zero { try await Task.sleep(for: pause) }
                        do { try await outbound.write(ByteBuffer(bytes: piece)) } catch { break }
                    }
                    try await Task.sleep(for: limit)
                    return nil
                }
                let first = try await group.next() ?? nil
                group.cancelAll()
                return first ?? Outcome()
            }
        }
    }

    static func send(port: Int, _ bytes: [UInt8], within limit: Duration = .seconds(5)) async throws -> Outcome {
        try await send(port: port, [bytes], within: limit)
    }

    static func send(port: Int, _ text: String, within limit: Duration = .seconds(5)) async throws -> Outcome {
        try await send(port: port, [Array(text.utf8)], within: limit)
    }
}
