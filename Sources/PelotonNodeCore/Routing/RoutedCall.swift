import PelotonCore
import PelotonCrypto
import PelotonServices

/// One call on its way to the owners of its key, decided without I/O: the runtime's router
/// and the simulator's nodes drive this same value, so the simulator tests the rules the
/// runtime follows.
///
/// The owners are asked one at a time in preference order (`CallPlan`). A reply ends the call,
/// unless it is a refusal the next owner may not share (`CallFailure.isRetriable`: not offered
/// there, overloaded), which surely did not run and moves on. An attempt that never reached
/// its owner moves on too. One that reached it and got no answer may have run there: it moves
/// on only when running the call twice is harmless, else the call ends `uncertain`.
public struct RoutedCall: Sendable {
    public enum Step: Equatable, Sendable {
        /// Ask `owner`, and report what came of it by `until` at the latest.
        case attempt(NodeID, until: Instant)
        case finished(Finish)
    }

    public struct Finish: Equatable, Sendable {
        public let reply: CallReply
        /// The owner whose reply ended the call; nil when none did.
        public let servedBy: NodeID?

        public init(reply: CallReply, servedBy: NodeID?) {
            self.reply = reply
            self.servedBy = servedBy
        }
    }

    /// What came of one attempt, as the caller can tell.
    public enum Answer: Sendable {
        case replied(CallReply)
        /// The request never left: the owner cannot have run it.
        case notSent(String)
        /// It left and no answer came in time: it ran there once or not at all.
        case noAnswer(String)
    }

    public let id: RequestID
    private var owners: OwnerSequence<Finish>

    public init(id: RequestID, owners: [NodeID], deadline: Instant, attemptTimeout: Duration, reissuesInDoubt: Bool) {
        self.id = id
        self.owners = OwnerSequence(CallPlan(owners: owners, deadline: deadline, attemptTimeout: attemptTimeout, reissuesInDoubt: reissuesInDoubt))
    }

    public var deadline: Instant { owners.plan.deadline }
    /// Owners asked so far, the one being asked included.
    public var attempts: Int { owners.plan.attempted.count }
    /// The owner being asked; nil before the first attempt and once the call has finished.
    public var asking: NodeID? { owners.asking }
    public var finish: Finish? { owners.outcome }

    /// The first attempt (or the failure, when there is no owner or no time).
    public mutating func start(at now: Instant) -> Step { next(at: now) }

    /// Takes what came of the attempt at `owner`. Nil when the answer is stale: it is not from
    /// the owner being asked (a late reply after the call moved on), or the call has finished.
    public mutating func receive(_ answer: Answer, from owner: NodeID, at now: Instant) -> Step? {
        guard owners.isCurrent(owner) else { return nil }
        switch answer {
        case let .replied(reply):
            if case let .failure(failure) = reply.outcome, failure.isRetriable {
                owners.plan.attemptFailed("\(owner.short): \(failure.message)", .notRun)
                return next(at: now)
            }
            return .finished(owners.end(Finish(reply: reply, servedBy: owner)))
        case let .notSent(reason):
            owners.plan.attemptFailed("\(owner.short): \(reason)", .notRun)
        case let .noAnswer(reason):
            owners.plan.attemptFailed("\(owner.short): \(reason)", .inDoubt)
        }
        return next(at: now)
    }

    private mutating func next(at now: Instant) -> Step {
        switch owners.next(at: now, failed: { [id] in Finish(reply: CallReply(id: id, outcome: .failure($0)), servedBy: nil) }) {
        case let .ask(owner, until): .attempt(owner, until: until)
        case let .ended(finish): .finished(finish)
        }
    }
}
