import NIOCore
import Synchronization

/// A framed stream fresh from connect or accept, before anyone has taken it to use.
///
/// NIO stops the process when a stream's writer is dropped without being finished. A stream
/// can be dropped unused: accepted just as the node stops (the accept loop no longer takes
/// it), or connected after the caller's time limit gave up on it. Whoever takes the stream
/// owns it (`executeThenClose`); one nobody took is closed properly when this is released.
final class PendingStream: Sendable {
    typealias Stream = NIOAsyncChannel<ByteBuffer, ByteBuffer>

    private let stream: Mutex<Stream?>

    /// Wraps `channel` with framing; on the channel's event loop, before it can read.
    init(framing channel: any Channel, maxFrameBytes: Int) throws {
        try MeshNode.addFraming(to: channel, maxFrameBytes: maxFrameBytes)
        stream = Mutex(try Stream(wrappingChannelSynchronously: channel))
    }

    /// The stream, once: nil to a second taker.
    func take() -> Stream? {
        stream.withLock { stream in
            defer { stream = nil }
            return stream
        }
    }

    deinit {
        guard let untaken = stream.withLock({ $0 }) else { return }
        // Closing through the scoped API finishes the writer, then closes the channel.
        Task { try? await untaken.executeThenClose { _, _ in } }
    }
}

/// A stream that was taken already: a bug, reported rather than crashing.
struct StreamAlreadyTaken: Error, CustomStringConvertible {
    var description: String { "the stream was taken twice" }
}
