/// A job's lasting record, kept in replicated state so any node can answer for it and a new
/// coordinator can take it over: what was asked, and how far each unit got. Partial results
/// are kept beside it, one state key per unit.
public struct JobRecord: Codable, Equatable, Sendable {
    public enum Status: String, Codable, Sendable {
        case queued, running, done, failed, cancelled

        public var isFinished: Bool { self == .done || self == .failed || self == .cancelled }
    }

    public struct UnitState: Codable, Equatable, Sendable {
        public enum Status: String, Codable, Sendable { case pending, running, done, failed }
        public var status: Status = .pending
        /// Handler errors so far; transport failures do not count (the unit is reissued).
        public var attempts = 0
        public var error: String?
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

    public init(id: String, name: String, priority: Int, input: String, maxAttempts: Int, units: Int, submittedAtMilliseconds: UInt64) {
        self.id = id
        self.name = name
        self.priority = priority
        self.input = input
        self.maxAttempts = maxAttempts
        self.submittedAtMilliseconds = submittedAtMilliseconds
        self.units = Array(repeating: UnitState(), count: units)
    }

    /// Done units over all units, 0 to 100.
    public var progressPercent: Double {
        units.isEmpty ? 100 : Double(units.filter { $0.status == .done }.count) * 100 / Double(units.count)
    }
}
