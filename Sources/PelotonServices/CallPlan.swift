import PelotonCore
import PelotonCrypto

/// Where a call goes next, decided without I/O so the runtime and the simulator route alike.
///
/// The owners are tried in preference order. Each attempt gets `attemptTimeout` or whatever is
/// left of the deadline, if less (or, when attempts in doubt are not reissued, the whole rest
/// of the deadline: giving up on an owner early would only turn a late answer into an
/// uncertain one). An owner already known to be down is skipped. An attempt
/// that surely did not run (no stream to the owner, or the owner refused it before running
/// it) moves on to the next owner. An attempt that may have run (the request went out and no
/// answer came) moves on only when running the request twice is harmless (`reissuesInDoubt`);
/// otherwise the plan ends `uncertain`, so the request ran at most once. The plan ends with
/// the reply, or with a failure no later than the deadline.
public struct CallPlan: Sendable {
    public enum Step: Equatable, Sendable {
        case attempt(NodeID, until: Instant)
        case finish(CallFailure)
    }

    /// How an attempt that brought no reply ended, as far as the caller can know.
    public enum AttemptEnd: Equatable, Sendable {
        /// The owner surely did not run it: it was never sent, or the owner refused it first.
        case notRun
        /// It was sent and no answer came (a time-out, a stream lost): it may have run.
        case inDoubt
    }

    public let owners: [NodeID]
    public let deadline: Instant
    public let attemptTimeout: Duration
    /// Whether an attempt in doubt may be sent on to the next owner (idempotent requests).
    public let reissuesInDoubt: Bool
    /// The owners asked so far, in order.
    public private(set) var attempted: [NodeID] = []
    private var nextOwner = 0
    private var lastFailure: String?
    /// Set when an attempt in doubt ends a plan that may not reissue it.
    private var doubt: CallFailure?

    public init(owners: [NodeID], deadline: Instant, attemptTimeout: Duration, reissuesInDoubt: Bool) {
        self.owners = owners
        self.deadline = deadline
        self.attemptTimeout = attemptTimeout
        self.reissuesInDoubt = reissuesInDoubt
    }

    /// The next attempt, or the failure that ends the call.
    public mutating func next(at now: Instant, isDown: (NodeID) -> Bool = { _ in false }) -> Step {
        if let doubt { return .finish(doubt) }
        guard !owners.isEmpty else { return .finish(CallFailure(.noOwners, "no alive member offers this service")) }
        guard now < deadline else {
            return .finish(CallFailure(.deadlineExceeded, "deadline passed after \(attempted.count) attempt(s)\(lastFailureSuffix)"))
        }
        while nextOwner < owners.count {
            let owner = owners[nextOwner]
            nextOwner += 1
            if isDown(owner) { continue }
            attempted.append(owner)
            // The attempt timeout is there to move on to the next owner; a request that may
            // not move on once sent waits for this owner until the deadline instead.
            return .attempt(owner, until: reissuesInDoubt ? min(deadline, now + attemptTimeout) : deadline)
        }
        return .finish(CallFailure(.unavailable, "all \(owners.count) owner(s) failed\(lastFailureSuffix)"))
    }

    /// The current attempt ended without a reply that can be returned.
    public mutating func attemptFailed(_ reason: String, _ end: AttemptEnd) {
        lastFailure = reason
        if end == .inDoubt, !reissuesInDoubt, let owner = attempted.last {
            doubt = CallFailure(
                .uncertain,
                "\(owner.short) took the request and did not answer (\(reason)); it may have run there, so it was not sent to another owner")
        }
    }

    private var lastFailureSuffix: String { lastFailure.map { "; last: \($0)" } ?? "" }
}
