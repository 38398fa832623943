import Foundation
import PelotonEvents
import Synchronization

/// This node's subscribers and the events it delivered lately. Every event the node hears for
/// the first time (gossiped, published here, or a system event about the membership) goes to
/// each subscriber whose pattern matches.
final class EventBus: Sendable {
    static let recentCapacity = 200

    private struct State {
        var subscribers: [UUID: (pattern: TopicPattern, continuation: AsyncStream<MeshEvent>.Continuation)] = [:]
        var recent: [MeshEvent] = []
    }

    private let state = Mutex(State())
    /// Told how many subscribers each event reached, for the metrics.
    private let counted: @Sendable (Int) -> Void

    init(counting counted: @escaping @Sendable (Int) -> Void = { _ in }) {
        self.counted = counted
    }

    func deliver(_ event: MeshEvent) {
        let targets = state.withLock { state in
            state.recent.append(event)
            if state.recent.count > Self.recentCapacity { state.recent.removeFirst(state.recent.count - Self.recentCapacity) }
            return state.subscribers.values.filter { $0.pattern.matches(event.topic) }.map(\.continuation)
        }
        if !targets.isEmpty { counted(targets.count) }
        for continuation in targets { continuation.yield(event) }
    }

    /// Every later event matching `pattern`, until the stream is dropped. A subscriber that
    /// falls 1,000 events behind loses the oldest, not the node's memory.
    func subscribe(_ pattern: TopicPattern) -> AsyncStream<MeshEvent> {
        let (stream, continuation) = AsyncStream.makeStream(of: MeshEvent.self, bufferingPolicy: .bufferingNewest(1_000))
        let token = UUID()
        state.withLock { $0.subscribers[token] = (pattern, continuation) }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.subscribers.removeValue(forKey: token) }
        }
        return stream
    }

    /// Ends every subscription: the node is stopping, and open streams must not hold up the
    /// HTTP API's graceful shutdown.
    func closeAll() {
        let continuations = state.withLock { state in
            defer { state.subscribers.removeAll() }
            return state.subscribers.values.map(\.continuation)
        }
        for continuation in continuations { continuation.finish() }
    }

    /// The latest events delivered here that match `pattern`, oldest first.
    func recent(matching pattern: TopicPattern, limit: Int) -> [MeshEvent] {
        Array(state.withLock { $0.recent }.filter { pattern.matches($0.topic) }.suffix(limit))
    }

    var subscriberCount: Int { state.withLock { $0.subscribers.count } }
}
