import PelotonCore
import PelotonCrypto
import PelotonJobs
import PelotonServices

/// How a job's coordinator sends one work unit to its owners and what it tells the `JobRun`
/// of the answer, for the runtime and the simulator alike.
public enum UnitDispatch {
    /// A unit may run for minutes: only a dead owner (its stream breaks) moves it on, never a
    /// slow one.
    public static let attemptTimeout = Duration.milliseconds(Int64(CallRequest.maxBudgetMilliseconds))

    /// A unit that may have run at an owner that went down is sent to the next owner all the
    /// same: `JobRun` keeps one result per unit, so running it twice is harmless.
    public static let reissuesInDoubt = true

    /// Unit call `id`, routed to `owners` from `now`.
    public static func routed(_ id: RequestID, owners: [NodeID], at now: Instant) -> RoutedCall {
        RoutedCall(id: id, owners: owners, deadline: now + attemptTimeout, attemptTimeout: attemptTimeout, reissuesInDoubt: reissuesInDoubt)
    }

    /// What the routed unit came to, for the run.
    public enum Outcome: Equatable, Sendable {
        case succeeded(partial: [UInt8])
        /// `byHandler`: the unit's own code failed (it counts against the unit's attempts);
        /// otherwise no owner took it, and it is sent again after `JobRun.unreachableUnitPause`.
        case failed(String, byHandler: Bool)
    }

    public static func outcome(of reply: CallReply) -> Outcome {
        switch reply.outcome {
        case let .success(rendered): .succeeded(partial: rendered.body)
        case let .failure(failure) where failure.code == .handler: .failed(failure.message, byHandler: true)
        case let .failure(failure): .failed(failure.message, byHandler: false)
        }
    }

    /// Tells `run` what came of unit `unit`.
    public static func report(_ outcome: Outcome, of unit: Int, to run: inout JobRun, atMilliseconds now: UInt64) -> [JobRun.Effect] {
        switch outcome {
        case let .succeeded(partial): run.unitSucceeded(unit, partial: partial)
        case let .failed(error, byHandler): run.unitFailed(unit, error: error, byHandler: byHandler, atMilliseconds: now)
        }
    }
}
