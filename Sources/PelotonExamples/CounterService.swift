import Foundation
import PelotonEvents
import PelotonServices
import PelotonState

/// The demo's keyed service: each key (`?key=` on the call) lives on its own two owners, so
/// the counters spread over the mesh. On a node the count is a replicated counter in the
/// mesh's state (`counter/counter-service.KEY`, written at quorum), so it survives its owners;
/// a host without a node (a unit test) keeps it in memory. Each increment on a node is also
/// published as a `counter.incremented` event.
public enum CounterService {
    public struct Increment: Codable, Sendable {
        public var by: Int?
        public init(by: Int? = nil) { self.by = by }
    }

    public struct Empty: Codable, Sendable {
        public init() {}
    }

    public struct Count: Codable, Sendable {
        public var key: String
        public var value: Int
    }

    public static func definition(version: String = "1.0.0") throws -> ServiceDefinition {
        let counts = Counts()
        return try ServiceDefinition(name: "counter", version: version, replicas: 2) { service in
            try service.method("increment", text: { "\($0.key) = \($0.value)" }) { (request: Increment, call) -> Count in
                guard let key = call.key else { throw ServiceError(status: 400, "counter calls need ?key=NAME") }
                let by = request.by ?? 1
                guard (-1_000_000...1_000_000).contains(by) else { throw ServiceError(status: 422, "by must be within ±1,000,000") }
                if let state = call.state {
                    let count = Count(key: key, value: try await replicated { try await state.write(.add(Int64(by)), to: stateKey(key), level: .quorum, id: call.writeID(for: stateKey(key))) })
                    // Subscribers hear of it: `peloton subscribe 'counter.#'`.
                    try? await call.events?.publish(Topic("counter.incremented"), payload: Array(JSONEncoder().encode(count)))
                    return count
                }
                return Count(key: key, value: try await counts.add(by, to: key))
            }
            try service.method("get", text: { "\($0.key) = \($0.value)" }) { (_: Empty, call) -> Count in
                guard let key = call.key else { throw ServiceError(status: 400, "counter calls need ?key=NAME") }
                if let state = call.state {
                    return Count(key: key, value: try await replicated { try await state.read(stateKey(key), level: .quorum) ?? .empty(.counter) })
                }
                return Count(key: key, value: await counts.value(of: key))
            }
        }
    }

    static func stateKey(_ key: String) throws -> StateKey {
        do {
            return try StateKey(kind: .counter, name: "counter-service." + key)
        } catch {
            throw ServiceError(status: 400, "\(error)")
        }
    }

    /// A counter's value from the state, with the state's failures as the call's.
    static func replicated(_ body: () async throws -> StateValue) async throws -> Int {
        let value: StateValue
        do {
            value = try await body()
        } catch let failure as CallFailure {
            throw ServiceError(status: failure.status, failure.message)
        }
        guard case let .counter(counter) = value else { throw ServiceError(status: 500, "the state held something other than a counter") }
        return Int(counter.value)
    }

    /// At most this many keys per owner: a demo must not grow without bound.
    static let maxKeys = 100_000

    private actor Counts {
        var values: [String: Int] = [:]

        func add(_ amount: Int, to key: String) throws -> Int {
            guard values[key] != nil || values.count < CounterService.maxKeys else {
                throw ServiceError(status: 507, "this owner already holds \(CounterService.maxKeys) counters")
            }
            let (sum, overflow) = (values[key] ?? 0).addingReportingOverflow(amount)
            guard !overflow else { throw ServiceError(status: 422, "the counter would overflow") }
            values[key] = sum
            return sum
        }

        func value(of key: String) -> Int { values[key] ?? 0 }
    }
}
