import Foundation
import Hummingbird
import NIOCore
import PelotonJobs
import PelotonServices

/// Jobs over HTTP, on every node:
///
/// - `POST /v1/jobs`: `{"job": NAME, "input": {...}, "priority": 0, "then": [NAME, ...]}`; 202
///   with the record. `then` makes a pipeline: each stage's result is the next one's input.
/// - `GET /v1/jobs`: every job, newest first; `GET /v1/jobs/{id}`: one, with its units.
/// - `POST /v1/jobs/{id}/cancel`: 202 once asked; 409 when it has finished.
enum JobEndpoint {
    static let maxBodyBytes = JobDefinition.maxJSONBytes + 1_024

    struct Submission: Decodable {
        let job: String
        let input: JSONValue
        let priority: Int?
        /// A pipeline's later stages, by job name.
        let then: [String]?
    }

    static func register(on router: Router<PelotonRequestContext>, node: MeshNode) {
        router.post("/v1/jobs") { request, _ in
            let body = try await JSONReply.body(of: request, atMost: maxBodyBytes, tooLarge: "a submission is at most \(maxBodyBytes) bytes")
            let submission: Submission
            do {
                submission = try JSONDecoder().decode(Submission.self, from: Data(body.readableBytesView))
            } catch {
                throw APIError(.badRequest, .badRequest, #"the body must be {"job": NAME, "input": {...}, "priority": N}: \#(error)"#)
            }
            let priority = submission.priority ?? 0
            guard (-1_000...1_000).contains(priority) else { throw APIError(.badRequest, .badRequest, "priority must be -1000 to 1000") }
            let record: JobRecord
            do {
                record = try await node.submitJob(
                    name: submission.job, input: Array(try JSONEncoder().encode(submission.input)), priority: priority, then: submission.then ?? [])
            } catch let error as JobError {
                throw APIError(.badRequest, .badRequest, error.description)
            } catch {
                throw APIError(.serviceUnavailable, .unavailable, "the job could not be saved at quorum: \(error)")
            }
            return try JSONReply.response(JobView(record), status: .accepted)
        }
        router.get("/v1/jobs") { _, _ in
            try JSONReply.response(try await unavailableOnFailure { try await node.jobList() }.map { JobView($0, withUnits: false) })
        }
        router.get("/v1/jobs/:id") { _, context in
            let id = try jobID(context)
            guard let record = try await unavailableOnFailure({ try await node.job(id) }) else {
                throw APIError(.notFound, .notFound, "no job \(id)")
            }
            return try JSONReply.response(JobView(record))
        }
        router.post("/v1/jobs/:id/cancel") { _, context in
            let id = try jobID(context)
            let asked: Bool
            do {
                asked = try await node.cancelJob(id)
            } catch let error as JobError {
                throw APIError(.notFound, .notFound, error.description)
            }
            guard asked else { throw APIError(.conflict, .conflict, "job \(id) has already finished") }
            return try JSONReply.response(["id": id, "status": "cancelling"], status: .accepted)
        }
    }

    /// A job's id from the path: 32 hex digits, as submitting one answers; anything else names
    /// no job (and must not become a state key).
    private static func jobID(_ context: PelotonRequestContext) throws -> String {
        let id = try StrictURI.decode(context.parameters.require("id"), what: "the job id")
        guard PelotonServices.RequestID(hex: id) != nil else { throw APIError(.notFound, .notFound, "no job \(id): a job id is 32 hex digits") }
        return id
    }

    private static func unavailableOnFailure<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch {
            throw APIError(.serviceUnavailable, .unavailable, "the jobs could not be read at quorum: \(error)")
        }
    }
}

/// A job as the API shows it: the record, its progress, and its result as JSON.
public struct JobView: Codable, Sendable {
    public struct Unit: Codable, Sendable {
        public let status: String
        public let attempts: Int
        public let error: String?
    }

    public let id: String
    public let job: String
    public let priority: Int
    public let status: String
    public let progressPercent: Double
    public let unitsDone: Int
    public let unitCount: Int
    public let submittedAt: UInt64
    public let finishedAt: UInt64?
    public let result: JSONValue?
    public let error: String?
    /// A pipeline's stages still to come, and the job it went on to.
    public let then: [String]?
    public let next: String?
    public let units: [Unit]?

    init(_ record: JobRecord, withUnits: Bool = true) {
        id = record.id
        job = record.name
        priority = record.priority
        status = record.status.rawValue
        progressPercent = record.progressPercent
        unitsDone = record.unitsDone
        unitCount = record.units.count
        submittedAt = record.submittedAtMilliseconds
        finishedAt = record.finishedAtMilliseconds
        result = record.result.flatMap { try? JSONDecoder().decode(JSONValue.self, from: Data($0.utf8)) }
        error = record.error
        then = record.then.isEmpty ? nil : record.then
        next = record.next
        units = withUnits ? record.units.map { Unit(status: $0.status.rawValue, attempts: $0.attempts, error: $0.error) } : nil
    }
}

/// Any JSON value, passed through as it came: whole numbers stay exact (a 64-bit seed too).
public indirect enum JSONValue: Codable, Sendable, Equatable {
    case null, bool(Bool), integer(Int64), unsigned(UInt64), number(Double), string(String), array([JSONValue]), object([String: JSONValue])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Int64.self) { self = .integer(value) }
        else if let value = try? container.decode(UInt64.self) { self = .unsigned(value) }
        else if let value = try? container.decode(Double.self) { self = .number(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([JSONValue].self) { self = .array(value) }
        else { self = .object(try container.decode([String: JSONValue].self)) }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case let .bool(value): try container.encode(value)
        case let .integer(value): try container.encode(value)
        case let .unsigned(value): try container.encode(value)
        case let .number(value): try container.encode(value)
        case let .string(value): try container.encode(value)
        case let .array(values): try container.encode(values)
        case let .object(fields): try container.encode(fields)
        }
    }
}
