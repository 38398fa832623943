import PelotonState

/// Scenario files may leave out anything that has a default, and may not contain keys this
/// version does not know: a misspelt fault field is an error, never silently ignored.
struct AnyCodingKey: CodingKey {
    let stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

func rejectUnknownKeys<Keys: CodingKey & CaseIterable>(_ decoder: Decoder, allowed _: Keys.Type) throws {
    let known = Set(Keys.allCases.map(\.stringValue))
    let present = try decoder.container(keyedBy: AnyCodingKey.self).allKeys.map(\.stringValue)
    if let unknown = present.first(where: { !known.contains($0) }) {
        let path = decoder.codingPath.map(\.stringValue).joined(separator: ".")
        throw ScenarioError("unknown key \"\(unknown)\"\(path.isEmpty ? "" : " in \(path)"); known keys: \(known.sorted().joined(separator: ", "))")
    }
}

extension Scenario {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case description, nodes, seed, durationSeconds, network, joinStaggerMilliseconds, startJoined, clockDrift, faults, invariants, calls, state, events, jobs
    }

    public init(from decoder: Decoder) throws {
        try rejectUnknownKeys(decoder, allowed: CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        description = try container.decodeIfPresent(String.self, forKey: .description) ?? ""
        nodes = try container.decode(Int.self, forKey: .nodes)
        seed = try container.decodeIfPresent(UInt64.self, forKey: .seed) ?? 1
        durationSeconds = try container.decode(Double.self, forKey: .durationSeconds)
        network = try container.decodeIfPresent(NetworkSettings.self, forKey: .network) ?? NetworkSettings()
        joinStaggerMilliseconds = try container.decodeIfPresent(Double.self, forKey: .joinStaggerMilliseconds) ?? 0
        startJoined = try container.decodeIfPresent(Bool.self, forKey: .startJoined) ?? false
        clockDrift = try container.decodeIfPresent(Double.self, forKey: .clockDrift) ?? 0
        faults = try container.decodeIfPresent([Fault].self, forKey: .faults) ?? []
        invariants = try container.decodeIfPresent(Invariants.self, forKey: .invariants) ?? Invariants()
        calls = try container.decodeIfPresent(CallLoad.self, forKey: .calls)
        state = try container.decodeIfPresent(StateLoad.self, forKey: .state)
        events = try container.decodeIfPresent(EventLoad.self, forKey: .events)
        jobs = try container.decodeIfPresent(JobLoad.self, forKey: .jobs)
    }
}

extension Scenario.CallLoad {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case perSecond, fromSeconds, untilSeconds, replicas, budgetMilliseconds, attemptTimeoutMilliseconds, handlerMilliseconds, maxFailedCalls, idempotent,
            retryUncertainAfterMilliseconds
    }

    public init(from decoder: Decoder) throws {
        try rejectUnknownKeys(decoder, allowed: CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init()
        perSecond = try container.decodeIfPresent(Double.self, forKey: .perSecond) ?? perSecond
        fromSeconds = try container.decodeIfPresent(Double.self, forKey: .fromSeconds) ?? fromSeconds
        untilSeconds = try container.decodeIfPresent(Double.self, forKey: .untilSeconds)
        replicas = try container.decodeIfPresent(Int.self, forKey: .replicas) ?? replicas
        budgetMilliseconds = try container.decodeIfPresent(Double.self, forKey: .budgetMilliseconds) ?? budgetMilliseconds
        attemptTimeoutMilliseconds = try container.decodeIfPresent(Double.self, forKey: .attemptTimeoutMilliseconds) ?? attemptTimeoutMilliseconds
        handlerMilliseconds = try container.decodeIfPresent([Double].self, forKey: .handlerMilliseconds) ?? handlerMilliseconds
        maxFailedCalls = try container.decodeIfPresent(Int.self, forKey: .maxFailedCalls) ?? maxFailedCalls
        idempotent = try container.decodeIfPresent(Bool.self, forKey: .idempotent) ?? idempotent
        retryUncertainAfterMilliseconds = try container.decodeIfPresent(Double.self, forKey: .retryUncertainAfterMilliseconds)
    }
}

extension Scenario.NetworkSettings {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case latencyMilliseconds, jitterMilliseconds, loss, duplicate
    }

    public init(from decoder: Decoder) throws {
        try rejectUnknownKeys(decoder, allowed: CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init()
        latencyMilliseconds = try container.decodeIfPresent(Double.self, forKey: .latencyMilliseconds) ?? latencyMilliseconds
        jitterMilliseconds = try container.decodeIfPresent(Double.self, forKey: .jitterMilliseconds) ?? jitterMilliseconds
        loss = try container.decodeIfPresent(Double.self, forKey: .loss) ?? 0
        duplicate = try container.decodeIfPresent(Double.self, forKey: .duplicate) ?? 0
    }
}

extension Scenario.Invariants {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case converges, noFalseDeaths, crashDetectionBoundSeconds
    }

    public init(from decoder: Decoder) throws {
        try rejectUnknownKeys(decoder, allowed: CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init()
        converges = try container.decodeIfPresent(Bool.self, forKey: .converges) ?? true
        noFalseDeaths = try container.decodeIfPresent(Bool.self, forKey: .noFalseDeaths) ?? false
        crashDetectionBoundSeconds = try container.decodeIfPresent(Double.self, forKey: .crashDetectionBoundSeconds)
    }
}

extension Scenario.Fault {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case atSeconds, action, nodes, fraction, groups, oneWay, loss, periodSeconds, untilSeconds, intervalSeconds, downSeconds, drainSeconds, forSeconds, peers
    }

    public init(from decoder: Decoder) throws {
        try rejectUnknownKeys(decoder, allowed: CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        atSeconds = try container.decode(Double.self, forKey: .atSeconds)
        action = try container.decode(Action.self, forKey: .action)
        nodes = try container.decodeIfPresent([Int].self, forKey: .nodes)
        fraction = try container.decodeIfPresent(Double.self, forKey: .fraction)
        groups = try container.decodeIfPresent([[Int]].self, forKey: .groups)
        oneWay = try container.decodeIfPresent(Bool.self, forKey: .oneWay)
        loss = try container.decodeIfPresent(Double.self, forKey: .loss)
        periodSeconds = try container.decodeIfPresent(Double.self, forKey: .periodSeconds)
        untilSeconds = try container.decodeIfPresent(Double.self, forKey: .untilSeconds)
        intervalSeconds = try container.decodeIfPresent(Double.self, forKey: .intervalSeconds)
        downSeconds = try container.decodeIfPresent(Double.self, forKey: .downSeconds)
        drainSeconds = try container.decodeIfPresent(Double.self, forKey: .drainSeconds)
        forSeconds = try container.decodeIfPresent(Double.self, forKey: .forSeconds)
        peers = try container.decodeIfPresent([Int].self, forKey: .peers)
    }
}

extension Scenario.StateLoad {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case writesPerSecond, fromSeconds, untilSeconds, replicas, keys, level, budgetMilliseconds, attemptTimeoutMilliseconds,
            antiEntropyIntervalSeconds, pruneMarkerSeconds, kind, retryUncertainAfterMilliseconds
    }

    public init(from decoder: Decoder) throws {
        try rejectUnknownKeys(decoder, allowed: CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init()
        writesPerSecond = try container.decodeIfPresent(Double.self, forKey: .writesPerSecond) ?? writesPerSecond
        fromSeconds = try container.decodeIfPresent(Double.self, forKey: .fromSeconds) ?? fromSeconds
        untilSeconds = try container.decodeIfPresent(Double.self, forKey: .untilSeconds)
        replicas = try container.decodeIfPresent(Int.self, forKey: .replicas) ?? replicas
        keys = try container.decodeIfPresent(Int.self, forKey: .keys) ?? keys
        level = try container.decodeIfPresent(ConsistencyLevel.self, forKey: .level) ?? level
        budgetMilliseconds = try container.decodeIfPresent(Double.self, forKey: .budgetMilliseconds) ?? budgetMilliseconds
        attemptTimeoutMilliseconds = try container.decodeIfPresent(Double.self, forKey: .attemptTimeoutMilliseconds) ?? attemptTimeoutMilliseconds
        antiEntropyIntervalSeconds = try container.decodeIfPresent(Double.self, forKey: .antiEntropyIntervalSeconds) ?? antiEntropyIntervalSeconds
        pruneMarkerSeconds = try container.decodeIfPresent(Double.self, forKey: .pruneMarkerSeconds) ?? pruneMarkerSeconds
        kind = try container.decodeIfPresent(WriteKind.self, forKey: .kind) ?? kind
        retryUncertainAfterMilliseconds = try container.decodeIfPresent(Double.self, forKey: .retryUncertainAfterMilliseconds)
    }
}

extension Scenario.JobLoad {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case atSeconds, units, unitMilliseconds, cores, replicas
    }

    public init(from decoder: Decoder) throws {
        try rejectUnknownKeys(decoder, allowed: CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init()
        atSeconds = try container.decodeIfPresent(Double.self, forKey: .atSeconds) ?? atSeconds
        units = try container.decodeIfPresent(Int.self, forKey: .units) ?? units
        unitMilliseconds = try container.decodeIfPresent([Double].self, forKey: .unitMilliseconds) ?? unitMilliseconds
        cores = try container.decodeIfPresent(Int.self, forKey: .cores) ?? cores
        replicas = try container.decodeIfPresent(Int.self, forKey: .replicas) ?? replicas
    }
}

extension Scenario.EventLoad {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case count, perSecond, fromSeconds
    }

    public init(from decoder: Decoder) throws {
        try rejectUnknownKeys(decoder, allowed: CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init()
        count = try container.decodeIfPresent(Int.self, forKey: .count) ?? count
        perSecond = try container.decodeIfPresent(Double.self, forKey: .perSecond) ?? perSecond
        fromSeconds = try container.decodeIfPresent(Double.self, forKey: .fromSeconds) ?? fromSeconds
    }
}
