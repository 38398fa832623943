import PelotonCore
import PelotonCrypto
import PelotonServices

/// A request asked of its owners one at a time (`CallPlan`): which owner is being asked, and
/// how the request ended. What a routed call and a coordinated write share; each says what an
/// answer means.
struct OwnerSequence<Outcome: Equatable & Sendable>: Sendable {
    enum Next: Equatable, Sendable {
        case ask(NodeID, until: Instant)
        case ended(Outcome)
    }

    var plan: CallPlan
    private(set) var asking: NodeID?
    private(set) var outcome: Outcome?

    init(_ plan: CallPlan) { self.plan = plan }

    /// Whether an answer from `owner` is for the attempt in progress (not stale).
    func isCurrent(_ owner: NodeID) -> Bool { outcome == nil && asking == owner }

    /// The next owner to ask, or the end the plan's failure makes (`failed`).
    mutating func next(at now: Instant, failed: (CallFailure) -> Outcome) -> Next {
        switch plan.next(at: now) {
        case let .attempt(owner, until):
            asking = owner
            return .ask(owner, until: until)
        case let .finish(failure):
            return .ended(end(failed(failure)))
        }
    }

    mutating func end(_ outcome: Outcome) -> Outcome {
        asking = nil
        self.outcome = outcome
        return outcome
    }
}
