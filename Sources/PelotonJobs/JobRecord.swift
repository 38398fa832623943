/// A job's lasting record, kept in replicated state so any node can answer for it and a new
/// coordinator can take it over: what was asked, and how far each unit got. Partial results
/// are kept beside it, one state key per unit.
public struct JobRecord: Codable, Equatable, Sendable {
    public enum Status: String, Codable, Sendable {
        case queued, running, done, failed, cancelled

        public var isFinished: Bool { self == .done || self == .failed || self == .cancelled }
    }

    public struct UnitState: Codable, Equatable, Sendable {
        public enum Status: String, Codable, Sendable {
            case pending, running, done, failed

            var letter: Character {
                switch self {
                case .pending: "p"
                case .running: "r"
                case .done: "d"
                case .failed: "f"
                }
            }

            init?(letter: Character) {
                switch letter {
                case "p": self = .pending
                case "r": self = .running
                case "d": self = .done
                case "f": self = .failed
                default: return nil
                }
            }
        }
        public var status: Status = .pending
        /// Handler errors so far; transport failures do not count (the unit is reissued).
        public var attempts = 0
        public var error: String?

        public init(status: Status = .pending, attempts: Int = 0, error: String? = nil) {
            self.status = status
            self.attempts = attempts
            self.error = error
        }
    }

    public let id: String
    public let name: String
    /// Higher runs first where units wait for a core.
    public let priority: Int
    /// The input as JSON, so any node can split it again.
    public let input: String
    public let maxAttempts: Int
    public let submittedAtMilliseconds: UInt64
    public var status: Status = .queued
    public var units: [UnitState]
    public var result: String?
    public var error: String?
    public var finishedAtMilliseconds: UInt64?
    /// A pipeline's later stages, by job name: when this job is done, its result is the input
    /// of a new job of the first of them, which carries the rest.
    public var then: [String]
    /// The job the pipeline went on to.
    public var next: String?
    /// The submitter's W3C `traceparent`, when it was traced: whichever node coordinates the
    /// job continues that trace, so its units are spans of the request that submitted it.
    public var trace: String?

    public init(
        id: String, name: String, priority: Int, input: String, maxAttempts: Int, units: Int, submittedAtMilliseconds: UInt64, then: [String] = []
    ) {
        self.then = then
        self.id = id
        self.name = name
        self.priority = priority
        self.input = input
        self.maxAttempts = maxAttempts
        self.submittedAtMilliseconds = submittedAtMilliseconds
        self.units = Array(repeating: UnitState(), count: units)
    }

    /// The JSON form keeps units compact, so 10,000 of them fit one state register (64 KiB):
    /// one letter per unit's status, and attempts and errors only for the units that have them
    /// (errors cut to 200 characters, at most 20 kept).
    enum CodingKeys: String, CodingKey {
        case id, name, priority, input, maxAttempts, submittedAtMilliseconds, status, result, error, finishedAtMilliseconds
        case unitStatus, unitAttempts, unitErrors, then, next, trace
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        name = try container.decode(String.self, forKey: .name)
        priority = try container.decode(Int.self, forKey: .priority)
        input = try container.decode(String.self, forKey: .input)
        maxAttempts = try container.decode(Int.self, forKey: .maxAttempts)
        submittedAtMilliseconds = try container.decode(UInt64.self, forKey: .submittedAtMilliseconds)
        status = try container.decode(Status.self, forKey: .status)
        result = try container.decodeIfPresent(String.self, forKey: .result)
        error = try container.decodeIfPresent(String.self, forKey: .error)
        finishedAtMilliseconds = try container.decodeIfPresent(UInt64.self, forKey: .finishedAtMilliseconds)
        then = try container.decodeIfPresent([String].self, forKey: .then) ?? []
        next = try container.decodeIfPresent(String.self, forKey: .next)
        trace = try container.decodeIfPresent(String.self, forKey: .trace)
        let letters = try container.decode(String.self, forKey: .unitStatus)
        units = try letters.map { letter in
            guard let status = UnitState.Status(letter: letter) else {
                throw DecodingError.dataCorruptedError(forKey: .unitStatus, in: container, debugDescription: "unknown unit status \(letter)")
            }
            return UnitState(status: status)
        }
        for (key, attempts) in try container.decodeIfPresent([String: Int].self, forKey: .unitAttempts) ?? [:] {
            if let index = Int(key), units.indices.contains(index) { units[index].attempts = attempts }
        }
        for (key, error) in try container.decodeIfPresent([String: String].self, forKey: .unitErrors) ?? [:] {
            if let index = Int(key), units.indices.contains(index) { units[index].error = error }
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(name, forKey: .name)
        try container.encode(priority, forKey: .priority)
        try container.encode(input, forKey: .input)
        try container.encode(maxAttempts, forKey: .maxAttempts)
        try container.encode(submittedAtMilliseconds, forKey: .submittedAtMilliseconds)
        try container.encode(status, forKey: .status)
        try container.encodeIfPresent(result, forKey: .result)
        try container.encodeIfPresent(error, forKey: .error)
        try container.encodeIfPresent(finishedAtMilliseconds, forKey: .finishedAtMilliseconds)
        if !then.isEmpty { try container.encode(then, forKey: .then) }
        try container.encodeIfPresent(next, forKey: .next)
        try container.encodeIfPresent(trace, forKey: .trace)
        try container.encode(String(units.map(\.status.letter)), forKey: .unitStatus)
        let attempts = units.enumerated().filter { $0.element.attempts > 0 }.map { (String($0.offset), $0.element.attempts) }
        if !attempts.isEmpty { try container.encode(Dictionary(uniqueKeysWithValues: attempts), forKey: .unitAttempts) }
        let errors = units.enumerated().compactMap { index, unit in unit.error.map { (String(index), String($0.prefix(200))) } }.prefix(20)
        if !errors.isEmpty { try container.encode(Dictionary(uniqueKeysWithValues: Array(errors)), forKey: .unitErrors) }
    }

    public var unitsDone: Int { units.filter { $0.status == .done }.count }

    /// Done units over all units, 0 to 100.
    public var progressPercent: Double {
        units.isEmpty ? 100 : Double(unitsDone) * 100 / Double(units.count)
    }
}
