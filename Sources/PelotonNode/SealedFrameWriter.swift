import NIOCore
import PelotonCrypto
import Synchronization

/// The sending half of a call stream, safe to use from any task: payloads queue under a lock,
/// and one drain on the stream's event loop seals everything queued, in order, and writes it
/// with a single flush. Under load many calls share one flush (one system call) and no task
/// wakes up to write, which is what an `AsyncStream` and a writer task per stream cost.
final class SealedFrameWriter: Sendable {
    private let channel: any Channel
    private let state: Mutex<State>

    private struct State {
        var sealer: StreamSealer
        var queued: [[UInt8]] = []
        var drainScheduled = false
        var closed = false
    }

    init(channel: any Channel, sealer: StreamSealer) {
        self.channel = channel
        state = Mutex(State(sealer: sealer))
    }

    /// Queues `payload` to go out sealed; false once the writer is closed.
    @discardableResult
    func send(_ payload: [UInt8]) -> Bool {
        let (accepted, scheduleDrain) = state.withLock { state -> (Bool, Bool) in
            guard !state.closed else { return (false, false) }
            state.queued.append(payload)
            defer { state.drainScheduled = true }
            return (true, !state.drainScheduled)
        }
        if scheduleDrain { channel.eventLoop.execute { self.drain() } }
        return accepted
    }

    /// Stops sending and closes the stream; what is queued still goes out first.
    func close() {
        state.withLock { $0.closed = true }
        channel.eventLoop.execute {
            self.drain()
            self.channel.close(promise: nil)
        }
    }

    /// Seals under the lock, so frame numbers follow queue order; drains run one at a time on
    /// the event loop, so frames leave in that order too.
    private func drain() {
        let frames = state.withLock { state -> [[UInt8]] in
            state.drainScheduled = false
            defer { state.queued.removeAll(keepingCapacity: true) }
            return state.queued.map { state.sealer.seal($0) }
        }
        guard !frames.isEmpty else { return }
        for frame in frames { channel.write(ByteBuffer(bytes: frame), promise: nil) }
        channel.flush()
    }
}
