import PelotonEvents
import PelotonState

/// Replicated state as a service handler sees it: read and write any key, at the consistency
/// level it chooses, through the node the handler runs on.
public protocol SharedState: Sendable {
    /// Runs `operation` on `key` at an owner; returns the key's state there after the write,
    /// once as many owners as `level` asks hold it durably.
    func write(_ operation: StateOperation, to key: StateKey, level: ConsistencyLevel) async throws -> StateValue
    /// The same, named `id`: an owner that holds write `id` already does not apply it again,
    /// so a handler that names its writes after its call (`call.writeID(for:)`) applies them once
    /// however often the call is retried.
    func write(_ operation: StateOperation, to key: StateKey, level: ConsistencyLevel, id: WriteID) async throws -> StateValue
    /// The key's state merged from as many owners as `level` asks; nil when none holds it.
    func read(_ key: StateKey, level: ConsistencyLevel) async throws -> StateValue?
}

extension SharedState {
    public func write(_ operation: StateOperation, to key: StateKey, level: ConsistencyLevel, id: WriteID) async throws -> StateValue {
        try await write(operation, to: key, level: level)
    }
}

/// The event bus as a service handler sees it: publish to every subscriber in the mesh.
public protocol EventPublisher: Sendable {
    func publish(_ topic: Topic, payload: [UInt8]) async throws
}
