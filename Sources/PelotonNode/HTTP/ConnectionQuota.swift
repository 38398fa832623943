import Synchronization

/// How many HTTP connections a node holds open, in all and per client address; refuses one
/// past either cap, so no one client can take every connection a node has.
struct ConnectionQuota: Sendable {
    let limits: HTTPLimits
    private(set) var open = 0
    private(set) var openByClient: [String: Int] = [:]

    init(limits: HTTPLimits) {
        self.limits = limits
    }

    enum Refusal: Equatable, Sendable {
        case nodeFull, clientFull
    }

    /// Counts the connection in, or says which cap it would pass.
    mutating func admit(client: String) -> Refusal? {
        guard open < limits.maxConnections else { return .nodeFull }
        let fromClient = openByClient[client, default: 0]
        guard fromClient < limits.maxConnectionsPerClient else { return .clientFull }
        open += 1
        openByClient[client] = fromClient + 1
        return nil
    }

    mutating func release(client: String) {
        guard let fromClient = openByClient[client] else { return }
        open -= 1
        openByClient[client] = fromClient > 1 ? fromClient - 1 : nil
    }
}

/// The node's `ConnectionQuota`, shared by every event loop that accepts connections.
final class ConnectionAdmission: Sendable {
    private let quota: Mutex<ConnectionQuota>

    init(limits: HTTPLimits) {
        quota = Mutex(ConnectionQuota(limits: limits))
    }

    func admit(client: String) -> ConnectionQuota.Refusal? {
        quota.withLock { $0.admit(client: client) }
    }

    func release(client: String) {
        quota.withLock { $0.release(client: client) }
    }

    var open: Int { quota.withLock { $0.open } }
}
