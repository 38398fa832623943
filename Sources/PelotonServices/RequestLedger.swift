import DequeModule
import PelotonCore

/// An owner's memory of recent requests, so a reissued request never runs a handler twice
/// here: a request still running is joined, a finished one is answered from the stored reply.
///
/// Replies are kept until the request's deadline has passed (after that no router reissues
/// it) and at least `retention`, and never more than `capacity` of them: the oldest go first.
public struct RequestLedger<Reply: Sendable>: Sendable {
    public enum Admission: Equatable, Sendable where Reply: Equatable {
        case run, join, replay(Reply)
    }

    public enum Entry: Sendable {
        case running
        case finished(Reply)
    }

    public let capacity: Int
    public let retention: Duration
    private var entries: [RequestID: Entry] = [:]
    private var expiries: Deque<(id: RequestID, expires: Instant)> = []
    public private(set) var evictedEarly = 0

    public init(capacity: Int = 65_536, retention: Duration = .seconds(30)) {
        precondition(capacity > 0)
        self.capacity = capacity
        self.retention = retention
    }

    public var count: Int { entries.count }

    /// Whether to run request `id`, wait for the run in progress, or replay its reply.
    public mutating func admit(_ id: RequestID, at now: Instant) -> Admission where Reply: Equatable {
        expire(at: now)
        switch entries[id] {
        case .running: return .join
        case let .finished(reply): return .replay(reply)
        case nil:
            entries[id] = .running
            return .run
        }
    }

    /// What the ledger holds for `id` now, without starting anything.
    public func entry(_ id: RequestID) -> Entry? { entries[id] }

    /// Records the reply of a run that `admit` started; kept until `deadline` or `retention`.
    public mutating func finish(_ id: RequestID, reply: Reply, deadline: Instant, at now: Instant) {
        entries[id] = .finished(reply)
        expiries.append((id, max(deadline, now + retention)))
        while expiries.count > capacity, let oldest = expiries.popFirst() {
            entries[oldest.id] = nil
            evictedEarly += 1
        }
    }

    private mutating func expire(at now: Instant) {
        while let oldest = expiries.first, oldest.expires <= now {
            expiries.removeFirst()
            entries[oldest.id] = nil
        }
    }
}
