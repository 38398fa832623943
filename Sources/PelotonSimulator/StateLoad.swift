import PelotonState

extension Scenario {
    /// A steady stream of writes to replicated state: each adds a unique element to one of
    /// `keys` OR-Sets (`kind: set`), so the end of the run can check that every acknowledged
    /// write is held by every owner; or increments one of `keys` counters by one (`kind:
    /// counter`), so it can check each count against the writes' outcomes: no fewer than the
    /// acknowledged, no more than the acknowledged and the uncertain. Writes enter at any
    /// running node that is not paused, on either side of a partition.
    public struct StateLoad: Codable, Sendable {
        public enum WriteKind: String, Codable, Sendable {
            case set, counter
        }

        public var kind: WriteKind = .set
        public var writesPerSecond: Double = 100
        public var fromSeconds: Double = 0
        public var untilSeconds: Double?
        public var replicas: Int = 3
        public var keys: Int = 50
        public var level: ConsistencyLevel = .quorum
        public var budgetMilliseconds: Double = 2_000
        public var attemptTimeoutMilliseconds: Double = 300
        /// How often each node compares digests with one random peer; 0 turns anti-entropy off
        /// (also the exchange with a member that reappears), to show what it repairs.
        public var antiEntropyIntervalSeconds: Double = 1
        /// How long a key keeps dropping a pruned node's entries from stale copies
        /// (`--prune-marker-seconds` of the runtime).
        public var pruneMarkerSeconds: Double = 24 * 3600
        /// A client that hears `uncertain` retries the write once with the same id, through a
        /// random running node, this long after (the README's advice); nil: no retries.
        public var retryUncertainAfterMilliseconds: Double?

        public init() {}

        func validate(scenario: Scenario) throws {
            guard writesPerSecond > 0, writesPerSecond <= 100_000 else { throw ScenarioError("state.writesPerSecond must be in (0, 100000]") }
            guard fromSeconds >= 0, fromSeconds < (untilSeconds ?? scenario.durationSeconds), (untilSeconds ?? 0) <= scenario.durationSeconds else {
                throw ScenarioError("state writes must start before they stop, within the run")
            }
            guard (1...16).contains(replicas) else { throw ScenarioError("state.replicas must be 1 to 16") }
            guard (1...100_000).contains(keys) else { throw ScenarioError("state.keys must be 1 to 100000") }
            guard budgetMilliseconds > 0, attemptTimeoutMilliseconds > 0 else { throw ScenarioError("state budget and attempt timeout must be positive") }
            guard pruneMarkerSeconds > 0 else { throw ScenarioError("state.pruneMarkerSeconds must be positive") }
            guard antiEntropyIntervalSeconds == 0 || antiEntropyIntervalSeconds >= 0.01 else {
                throw ScenarioError("state.antiEntropyIntervalSeconds must be 0 (off) or at least 0.01")
            }
        }
    }
}
