import PelotonCrypto
import PelotonServices
import PelotonState

/// A write at the owner that runs it, decided without I/O: once saved here, its delta goes to
/// every other owner, and the answer goes back as soon as `ReplicaTally` says the level is
/// met or cannot be. The runtime and the simulator both drive this value.
public struct OwnerWrite: Sendable {
    public enum Effect: Equatable, Sendable {
        /// Send `delta` (as write `write`) to each of `owners`, and report each answer.
        case ship(StateValue, to: [NodeID])
        /// Answer whoever asked for the write.
        case answer(Result<StateResponse, CallFailure>)
    }

    /// Why the write could not be saved here.
    public enum SaveFailure: Error, Equatable, Sendable {
        /// The operation does not fit the key: no owner would take it.
        case invalid(String)
        /// Applied in memory but not saved: anti-entropy may still spread it.
        case notSaved(String)
    }

    public let write: WriteID
    public let key: StateKey
    public let level: ConsistencyLevel
    private let me: NodeID
    private var tally: ReplicaTally
    private var state: StateValue?
    public private(set) var answered = false

    public init(write: WriteID, key: StateKey, level: ConsistencyLevel, owners: [NodeID], me: NodeID) {
        self.write = write
        self.key = key
        self.level = level
        self.me = me
        tally = ReplicaTally(owners: owners, level: level)
    }

    /// Takes how saving the write here went: the delta to ship (a write already held here
    /// ships what this owner holds, so the level can still be met), and the answer if it is
    /// decided already.
    public mutating func saved(_ result: Result<ReplicaState.WriteApplication, SaveFailure>) -> [Effect] {
        let shipped: StateValue
        switch result {
        case let .success(.applied(delta, after)):
            (state, shipped) = (after, delta)
        case let .success(.alreadyHeld(held)):
            guard let held else { return decide(.failure(CallFailure(.uncertain, "write \(write) is held here but \(key) is not"))) }
            (state, shipped) = (held, held)
        case let .failure(.invalid(reason)):
            return decide(.failure(CallFailure(.badRequest, status: 400, reason)))
        case let .failure(.notSaved(reason)):
            return decide(.failure(CallFailure(.uncertain, "the write could not be saved here: \(reason)")))
        }
        tally.answer(from: me)
        let others = tally.owners.filter { $0 != me }
        var effects: [Effect] = others.isEmpty ? [] : [.ship(shipped, to: others)]
        if let answer = decision() { effects += decide(answer) }
        return effects
    }

    /// Takes another owner's answer to the shipped delta: the answer to send when this one
    /// decides the tally; nil while it is pending or once answered.
    public mutating func replicaAnswered(_ owner: NodeID, _ outcome: Result<StateResponse, CallFailure>) -> Effect? {
        guard !answered else { return nil }
        switch outcome {
        case .success(.merged): tally.answer(from: owner)
        case .success: tally.fail(owner, because: "unexpected answer")
        case let .failure(failure): tally.fail(owner, because: failure.message)
        }
        return decision().flatMap { decide($0).first }
    }

    private func decision() -> Result<StateResponse, CallFailure>? {
        switch tally.outcome {
        case .pending:
            return nil
        case .succeeded:
            guard let state else { return nil }
            return .success(.written(state, acknowledged: tally.answered.count, owners: tally.owners.count))
        case .failed:
            return .failure(CallFailure(.uncertain, "the write is saved on \(tally.answered.count) owners but \(level.rawValue) needs \(tally.required): \(tally.failureReason); anti-entropy will spread it, but it is not acknowledged"))
        }
    }

    private mutating func decide(_ answer: Result<StateResponse, CallFailure>) -> [Effect] {
        guard !answered else { return [] }
        answered = true
        return [.answer(answer)]
    }
}
