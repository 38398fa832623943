import PelotonCore
import PelotonCrypto
import PelotonNodeCore
import PelotonServices
import PelotonState
import Testing

/// A write's rules at the node that took it and at the owner that runs it, as both shells
/// follow them.
@Suite struct StateWriteTests {
    let owners = [NodeID(high: 1, low: 1), NodeID(high: 2, low: 2), NodeID(high: 3, low: 3)]
    let start = Instant(nanoseconds: 1_000_000_000)
    let write = WriteID(high: 9, low: 9)
    let key = try! StateKey(kind: .counter, name: "stock")

    func coordination() -> CoordinatedWrite {
        CoordinatedWrite(write: write, owners: owners, deadline: start + .seconds(5), attemptTimeout: .seconds(1))
    }

    @Test func aWriteThatMayHaveRunIsNeverSentToASecondOwner() {
        var write = coordination()
        #expect(write.start(at: start) == .ask(owners[0], until: start + .seconds(5)))
        guard case let .finished(.failure(failure))? = write.receive(.failure(CallFailure(.uncertain, "timed out")), from: owners[0], at: start + .seconds(5)) else {
            Issue.record("an uncertain answer must end the write")
            return
        }
        #expect(failure.code == .uncertain)
        #expect(write.attempts == 1)
    }

    @Test func aWriteNotTakenGoesToTheNextOwnerAndAnInvalidOneToNone() {
        var write = coordination()
        _ = write.start(at: start)
        #expect(write.receive(.failure(CallFailure(.notOffered, "connection refused")), from: owners[0], at: start) == .ask(owners[1], until: start + .seconds(5)))
        guard case let .finished(.failure(failure))? = write.receive(.failure(CallFailure(.badRequest, status: 400, "not a set")), from: owners[1], at: start) else {
            Issue.record("an invalid write must end at once")
            return
        }
        #expect(failure.code == .badRequest)
    }

    @Test func aWrittenAnswerIsTheResult() {
        var write = coordination()
        _ = write.start(at: start)
        let state = StateValue.counter(PNCounter())
        let step = write.receive(.success(.written(state, acknowledged: 2, owners: 3)), from: owners[0], at: start)
        #expect(step == .finished(.success(StateWriteResult(state: state, acknowledged: 2, owners: 3, servedBy: owners[0]))))
        #expect(write.receive(.failure(CallFailure(.uncertain, "timed out")), from: owners[0], at: start) == nil)
    }

    func applied(_ replica: inout ReplicaState) throws -> ReplicaState.WriteApplication {
        try replica.apply(.increment(1), to: key, write: write, nowMilliseconds: 1_000)
    }

    @Test func theOwnerShipsTheDeltaAndAnswersAtTheLevel() throws {
        var replica = ReplicaState(me: owners[0])
        var ownerWrite = OwnerWrite(write: write, key: key, level: .quorum, owners: owners, me: owners[0])
        let effects = ownerWrite.saved(.success(try applied(&replica)))
        guard case let .ship(_, to)? = effects.first, effects.count == 1 else {
            Issue.record("a quorum write must ship first and answer later: \(effects)")
            return
        }
        #expect(to == [owners[1], owners[2]])
        #expect(ownerWrite.replicaAnswered(owners[1], .failure(CallFailure(.uncertain, "timed out"))) == nil)
        guard case let .answer(.success(.written(_, acknowledged, total)))? = ownerWrite.replicaAnswered(owners[2], .success(.merged)) else {
            Issue.record("two of three owners make a quorum")
            return
        }
        #expect(acknowledged == 2 && total == 3)
        #expect(ownerWrite.replicaAnswered(owners[1], .success(.merged)) == nil)
    }

    @Test func aLevelThatCannotBeMetIsUncertainNotFailed() throws {
        var replica = ReplicaState(me: owners[0])
        var ownerWrite = OwnerWrite(write: write, key: key, level: .all, owners: owners, me: owners[0])
        _ = ownerWrite.saved(.success(try applied(&replica)))
        guard case let .answer(.failure(failure))? = ownerWrite.replicaAnswered(owners[1], .failure(CallFailure(.notOffered, "refused"))) else {
            Issue.record("one lost owner decides an `all` write")
            return
        }
        // Saved here: it may still spread, so it is not a definite failure.
        #expect(failure.code == .uncertain)
    }

    @Test func aLevelOfOneAnswersAtOnceAndStillShips() throws {
        var replica = ReplicaState(me: owners[0])
        var ownerWrite = OwnerWrite(write: write, key: key, level: .one, owners: owners, me: owners[0])
        let effects = ownerWrite.saved(.success(try applied(&replica)))
        #expect(effects.count == 2)
        guard case .ship = effects.first, case .answer(.success) = effects.last else {
            Issue.record("level one ships the delta and answers at once: \(effects)")
            return
        }
    }

    @Test func aWriteHeldAlreadyIsNotAppliedAgainButIsShipped() throws {
        var replica = ReplicaState(me: owners[0])
        _ = try applied(&replica)
        guard case let .alreadyHeld(held) = try applied(&replica), case let .counter(counter)? = held else {
            Issue.record("the second attempt of one write must find it held")
            return
        }
        #expect(counter.value == 1)
        var ownerWrite = OwnerWrite(write: write, key: key, level: .one, owners: owners, me: owners[0])
        let effects = ownerWrite.saved(.success(.alreadyHeld(state: held)))
        #expect(effects.first == .ship(.counter(counter), to: [owners[1], owners[2]]))
    }

    @Test func aDeltaMergedFromAnotherOwnerMarksTheWriteHeld() throws {
        var runner = ReplicaState(me: owners[0])
        guard case let .applied(delta, _) = try applied(&runner) else {
            Issue.record("a first write must run")
            return
        }
        var other = ReplicaState(me: owners[1])
        let merged = other.merge(write: write, key: key, delta: delta, nowMilliseconds: 1_000)
        #expect(merged.isNewWrite && merged.state != nil)
        // Were this owner asked next (a retry), it must not count the write again.
        guard case .alreadyHeld = try other.apply(.increment(1), to: key, write: write, nowMilliseconds: 1_001) else {
            Issue.record("a write merged here must count as held")
            return
        }
    }

    @Test func aSaveThatFailsIsUncertainAndAnInvalidOneIsRefused() {
        var notSaved = OwnerWrite(write: write, key: key, level: .one, owners: owners, me: owners[0])
        #expect(notSaved.saved(.failure(.notSaved("disk full"))).first.map { effect in
            if case let .answer(.failure(failure)) = effect { failure.code == .uncertain } else { false }
        } == true)
        var invalid = OwnerWrite(write: write, key: key, level: .one, owners: owners, me: owners[0])
        #expect(invalid.saved(.failure(.invalid("a counter takes increments"))).first.map { effect in
            if case let .answer(.failure(failure)) = effect { failure.status == 400 } else { false }
        } == true)
    }
}
