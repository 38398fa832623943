/// Decides which of a stream of repeated errors to log: the first of each (subject, reason)
/// at once, then at most one per `interval`, saying how many were not logged in between. A
/// failing route can make a socket fail thousands of times a second; the count goes to
/// metrics every time, the log gets a line a minute.
public struct ReportLimiter: Sendable {
    public struct Topic: Hashable, Sendable {
        public let subject: String
        public let reason: String

        public init(subject: String, reason: String) {
            self.subject = subject
            self.reason = reason
        }
    }

    public let interval: Duration
    /// At most this many topics are remembered; past it the one reported longest ago goes.
    public let capacity: Int
    private var topics: [Topic: (lastReported: Instant, suppressed: Int)] = [:]

    public init(interval: Duration = .seconds(60), capacity: Int = 256) {
        self.interval = interval
        self.capacity = max(1, capacity)
    }

    /// Whether to log this occurrence now: nil to stay quiet, or how many occurrences of the
    /// same topic went unlogged since the last line.
    public mutating func report(_ topic: Topic, at now: Instant) -> Int? {
        if let known = topics[topic] {
            guard now - known.lastReported >= interval else {
                topics[topic] = (known.lastReported, known.suppressed + 1)
                return nil
            }
            topics[topic] = (now, 0)
            return known.suppressed
        }
        if topics.count >= capacity, let oldest = topics.min(by: Self.reportedEarlier)?.key {
            topics[oldest] = nil
        }
        topics[topic] = (now, 0)
        return 0
    }

    /// Oldest first, ties broken by name so the choice never depends on hashing order.
    private static func reportedEarlier(
        _ a: (key: Topic, value: (lastReported: Instant, suppressed: Int)), _ b: (key: Topic, value: (lastReported: Instant, suppressed: Int))
    ) -> Bool {
        if a.value.lastReported != b.value.lastReported { return a.value.lastReported < b.value.lastReported }
        return (a.key.subject, a.key.reason) < (b.key.subject, b.key.reason)
    }
}
