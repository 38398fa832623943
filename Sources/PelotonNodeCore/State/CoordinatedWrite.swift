import PelotonCore
import PelotonCrypto
import PelotonServices
import PelotonState

/// A write as it appears to the node that took it.
public struct StateWriteResult: Equatable, Sendable {
    /// The key's state at the owner that ran the write, just after it.
    public let state: StateValue
    /// Owners holding the write durably when the answer was sent, of `owners`.
    public let acknowledged: Int
    public let owners: Int
    public let servedBy: NodeID?

    public init(state: StateValue, acknowledged: Int, owners: Int, servedBy: NodeID?) {
        self.state = state
        self.acknowledged = acknowledged
        self.owners = owners
        self.servedBy = servedBy
    }
}

/// A write on its way from the node that took it to one owner that runs it, decided without
/// I/O. The owners are asked in turn, as a call is routed (`CallPlan`), but the write is never
/// sent on to another owner once one may have run it: the owner asked may be paused or cut off
/// with the write in hand and run it later, and a second owner would count it again.
///
/// The promise: a success was applied exactly once; a failure other than `uncertain` was
/// applied nowhere; `uncertain` was applied once or not at all.
public struct CoordinatedWrite: Sendable {
    public enum Step: Equatable, Sendable {
        /// Ask `owner` to run the write, and report its answer by `until` at the latest.
        case ask(NodeID, until: Instant)
        case finished(Result<StateWriteResult, CallFailure>)
    }

    public let write: WriteID
    private var owners: OwnerSequence<Result<StateWriteResult, CallFailure>>

    /// `reissuesInDoubt` is false in every node; tests turn it on to show what it costs.
    public init(write: WriteID, owners: [NodeID], deadline: Instant, attemptTimeout: Duration, reissuesInDoubt: Bool = false) {
        self.write = write
        self.owners = OwnerSequence(CallPlan(owners: owners, deadline: deadline, attemptTimeout: attemptTimeout, reissuesInDoubt: reissuesInDoubt))
    }

    public var deadline: Instant { owners.plan.deadline }
    public var attempts: Int { owners.plan.attempted.count }
    public var asking: NodeID? { owners.asking }
    public var outcome: Result<StateWriteResult, CallFailure>? { owners.outcome }

    public mutating func start(at now: Instant) -> Step { next(at: now) }

    /// Takes the answer of the owner asked (a failure the transport made counts as an answer:
    /// `notOffered` when the request never left, `uncertain` when no answer came). Nil when
    /// the answer is stale.
    public mutating func receive(_ answer: Result<StateResponse, CallFailure>, from owner: NodeID, at now: Instant) -> Step? {
        guard owners.isCurrent(owner) else { return nil }
        switch answer {
        case let .success(.written(state, acknowledged, total)):
            return .finished(owners.end(.success(StateWriteResult(state: state, acknowledged: acknowledged, owners: total, servedBy: owner))))
        case .success:
            owners.plan.attemptFailed("\(owner.short): unexpected answer", .inDoubt)
        case let .failure(failure) where failure.isRetriable:
            // Refused before it ran (not an owner, too busy) or never sent.
            owners.plan.attemptFailed("\(owner.short): \(failure.message)", .notRun)
        case let .failure(failure) where failure.code == .uncertain:
            owners.plan.attemptFailed("\(owner.short): \(failure.message)", .inDoubt)
        case let .failure(failure):
            // Refused as invalid: no owner would take it.
            return .finished(owners.end(.failure(failure)))
        }
        return next(at: now)
    }

    private mutating func next(at now: Instant) -> Step {
        switch owners.next(at: now, failed: { .failure($0) }) {
        case let .ask(owner, until): .ask(owner, until: until)
        case let .ended(outcome): .finished(outcome)
        }
    }
}
