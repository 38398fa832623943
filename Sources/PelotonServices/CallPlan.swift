import PelotonCore
import PelotonCrypto

/// Where a call goes next, decided without I/O so the runtime and the simulator route alike.
///
/// The owners are tried in preference order. Each attempt gets `attemptTimeout` or whatever is
/// left of the deadline, if less. An owner already known to be down is skipped; an attempt that
/// fails (transport error, timeout, an owner that does not offer the service) moves on to the
/// next owner. The plan ends with the reply, or with a definite failure no later than the
/// deadline.
public struct CallPlan: Sendable {
    public enum Step: Equatable, Sendable {
        case attempt(NodeID, until: Instant)
        case finish(CallFailure)
    }

    public let owners: [NodeID]
    public let deadline: Instant
    public let attemptTimeout: Duration
    /// The owners asked so far, in order.
    public private(set) var attempted: [NodeID] = []
    private var nextOwner = 0
    private var lastFailure: String?

    public init(owners: [NodeID], deadline: Instant, attemptTimeout: Duration) {
        self.owners = owners
        self.deadline = deadline
        self.attemptTimeout = attemptTimeout
    }

    /// The next attempt, or the failure that ends the call.
    public mutating func next(at now: Instant, isDown: (NodeID) -> Bool = { _ in false }) -> Step {
        guard !owners.isEmpty else { return .finish(CallFailure(.noOwners, "no alive member offers this service")) }
        guard now < deadline else {
            return .finish(CallFailure(.deadlineExceeded, "deadline passed after \(attempted.count) attempt(s)\(lastFailureSuffix)"))
        }
        while nextOwner < owners.count {
            let owner = owners[nextOwner]
            nextOwner += 1
            if isDown(owner) { continue }
            attempted.append(owner)
            return .attempt(owner, until: min(deadline, now + attemptTimeout))
        }
        return .finish(CallFailure(.unavailable, "all \(owners.count) owner(s) failed\(lastFailureSuffix)"))
    }

    /// The current attempt ended without a reply that can be returned.
    public mutating func attemptFailed(_ reason: String) {
        lastFailure = reason
    }

    private var lastFailureSuffix: String { lastFailure.map { "; last: \($0)" } ?? "" }
}
