/// The last fifteen minutes of one node's activity in ten-second steps, for the dashboard's
/// charts: calls and their latency per service, state writes, gossip bytes and members by
/// status. Pure and bounded: at most `steps` steps, `maxServices` services and
/// `maxLatencySamples` latencies per service and step, whatever the load.
struct MetricHistory: Sendable {
    static let stepSeconds: Int64 = 10
    static let steps = 90
    static let maxServices = 8
    static let maxLatencySamples = 1_024

    struct Step: Sendable, Equatable {
        let index: Int64
        var calls: [String: Int] = [:]
        var latencies: [String: [Double]] = [:]
        var stateWrites = 0
        var gossipBytes = 0
        /// The last count seen in the step, by status; nil when none was taken.
        var members: Members?
    }

    struct Members: Sendable, Equatable {
        var alive: Int
        var suspect: Int
        var dead: Int
    }

    /// A chart's line: one point per step, oldest first; nil where there is nothing to show.
    struct Series: Sendable, Equatable {
        let name: String
        let points: [Double?]
    }

    /// Oldest first; the last one may still be under way.
    private(set) var history: [Step] = []

    mutating func recordCall(service: String, milliseconds: Double, atSecond second: Int64) {
        withStep(at: second) { step in
            guard step.calls[service] != nil || step.calls.count < Self.maxServices else { return }
            let seen = step.calls[service, default: 0]
            step.calls[service] = seen + 1
            if seen < Self.maxLatencySamples {
                step.latencies[service, default: []].append(milliseconds)
            } else {
                // Full: overwrite in turn, so the sample keeps following the step's calls.
                step.latencies[service]?[seen % Self.maxLatencySamples] = milliseconds
            }
        }
    }

    mutating func recordStateWrite(atSecond second: Int64) {
        withStep(at: second) { $0.stateWrites += 1 }
    }

    mutating func recordGossipBytes(_ bytes: Int, atSecond second: Int64) {
        withStep(at: second) { $0.gossipBytes += bytes }
    }

    mutating func recordMembers(_ members: Members, atSecond second: Int64) {
        withStep(at: second) { $0.members = members }
    }

    /// Calls per second, a line per service.
    func callRates(atSecond second: Int64) -> [Series] {
        services(atSecond: second).map { service in
            Series(name: service, points: completedSteps(atSecond: second).map { step in step.map { Double($0.calls[service] ?? 0) / Double(Self.stepSeconds) } ?? 0 })
        }
    }

    /// A latency percentile (0.5, 0.99) in milliseconds, a line per service; no point for a
    /// step without calls.
    func latency(_ quantile: Double, atSecond second: Int64) -> [Series] {
        services(atSecond: second).map { service in
            Series(name: service, points: completedSteps(atSecond: second).map { step in
                guard let samples = step?.latencies[service], !samples.isEmpty else { return nil }
                let sorted = samples.sorted()
                return sorted[Int((Double(sorted.count - 1) * quantile).rounded(.up))]
            })
        }
    }

    func stateWriteRate(atSecond second: Int64) -> Series {
        Series(name: "writes", points: completedSteps(atSecond: second).map { Double($0?.stateWrites ?? 0) / Double(Self.stepSeconds) })
    }

    func gossipByteRate(atSecond second: Int64) -> Series {
        Series(name: "bytes", points: completedSteps(atSecond: second).map { Double($0?.gossipBytes ?? 0) / Double(Self.stepSeconds) })
    }

    func members(atSecond second: Int64) -> [Series] {
        let steps = completedSteps(atSecond: second, includingCurrent: true)
        return [("alive", \Members.alive), ("suspect", \Members.suspect), ("dead", \Members.dead)].map { name, count in
            Series(name: name, points: steps.map { $0?.members.map { Double($0[keyPath: count]) } })
        }
    }

    /// The services seen in the window, by name: the same order on every refresh.
    private func services(atSecond second: Int64) -> [String] {
        let first = second / Self.stepSeconds - Int64(Self.steps)
        var names = Set<String>()
        for step in history where step.index >= first { names.formUnion(step.calls.keys) }
        return names.sorted().prefix(Self.maxServices).map { $0 }
    }

    /// One entry per step of the window ending before the step under way (with it, for gauges),
    /// oldest first; nil for a step nothing was recorded in.
    private func completedSteps(atSecond second: Int64, includingCurrent: Bool = false) -> [Step?] {
        let end = second / Self.stepSeconds + (includingCurrent ? 1 : 0)
        let byIndex = Dictionary(history.map { ($0.index, $0) }, uniquingKeysWith: { _, last in last })
        return ((end - Int64(Self.steps))..<end).map { byIndex[$0] }
    }

    private mutating func withStep(at second: Int64, _ change: (inout Step) -> Void) {
        let index = second / Self.stepSeconds
        if let last = history.indices.last, history[last].index >= index {
            // A clock that stepped back counts into the newest step.
            change(&history[last])
            return
        }
        var step = Step(index: index)
        change(&step)
        history.append(step)
        let oldest = index - Int64(Self.steps)
        history.removeAll { $0.index <= oldest }
    }
}
