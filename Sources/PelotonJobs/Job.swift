import Foundation

/// A parallel job, map/reduce style: `split` cuts the input into work units, `run` turns one
/// unit into a partial result on whichever node owns it, `combine` folds the partials, in
/// unit order, into the result. A plain parallel map is a job whose `combine` returns the
/// partials. `split` must be deterministic (any node may compute it again), and `run` should be
/// free of side effects: a unit may run again on another node after a failure.
public protocol Job: Sendable {
    associatedtype Input: Codable & Sendable
    associatedtype Unit: Codable & Sendable
    associatedtype Partial: Codable & Sendable
    associatedtype Output: Codable & Sendable

    func split(_ input: Input) throws -> [Unit]
    func run(_ unit: Unit) async throws -> Partial
    func combine(_ partials: [Partial]) throws -> Output
}

/// Why a job or a unit could not go on.
public struct JobError: Error, Equatable, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A job as the mesh runs it: a name, limits, and the three steps over JSON, so nodes can
/// store, ship and resume work without knowing the author's types.
public struct JobDefinition: Sendable {
    public static let maxUnits = 10_000
    public static let maxJSONBytes = 60 << 10

    public let name: String
    /// Attempts a unit gets when its handler throws, before the job fails.
    public let maxAttempts: Int
    public let split: @Sendable ([UInt8]) throws -> [[UInt8]]
    public let run: @Sendable ([UInt8]) async throws -> [UInt8]
    public let combine: @Sendable ([[UInt8]]) throws -> [UInt8]

    public init<J: Job>(name: String, maxAttempts: Int = 3, _ job: J) throws {
        guard !name.isEmpty, name.utf8.count <= 64, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
            throw JobError("a job name is 1 to 64 letters, digits, '-' or '_'")
        }
        guard (1...100).contains(maxAttempts) else { throw JobError("maxAttempts must be 1 to 100") }
        self.name = name
        self.maxAttempts = maxAttempts
        split = { input in
            let units = try job.split(try Self.decode(J.Input.self, input, what: "the job's input"))
            guard !units.isEmpty, units.count <= Self.maxUnits else { throw JobError("a job splits into 1 to \(Self.maxUnits) units, not \(units.count)") }
            return try units.map { try Self.encode($0, what: "a unit") }
        }
        run = { unit in try Self.encode(try await job.run(try Self.decode(J.Unit.self, unit, what: "a unit")), what: "a partial result") }
        combine = { partials in
            try Self.encode(try job.combine(try partials.map { try Self.decode(J.Partial.self, $0, what: "a partial result") }), what: "the result")
        }
    }

    static func decode<T: Decodable>(_: T.Type, _ bytes: [UInt8], what: String) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(bytes))
        } catch {
            throw JobError("\(what) is not valid JSON for this job: \(error)")
        }
    }

    static func encode<T: Encodable>(_ value: T, what: String) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let bytes = Array(try encoder.encode(value))
        guard bytes.count <= maxJSONBytes else { throw JobError("\(what) is \(bytes.count) bytes of JSON; at most \(maxJSONBytes)") }
        return bytes
    }
}
