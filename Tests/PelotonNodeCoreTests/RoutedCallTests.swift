import PelotonCore
import PelotonCrypto
import PelotonNodeCore
import PelotonServices
import Testing

/// The router's rules, as both shells follow them.
@Suite struct RoutedCallTests {
    let owners = [NodeID(high: 1, low: 1), NodeID(high: 2, low: 2), NodeID(high: 3, low: 3)]
    let start = Instant(nanoseconds: 1_000_000_000)
    let id = RequestID(high: 7, low: 7)

    func call(reissuesInDoubt: Bool) -> RoutedCall {
        RoutedCall(id: id, owners: owners, deadline: start + .seconds(5), attemptTimeout: .seconds(1), reissuesInDoubt: reissuesInDoubt)
    }

    func reply(_ outcome: Result<RenderedReply, CallFailure>) -> RoutedCall.Answer {
        .replied(CallReply(id: id, outcome: outcome))
    }

    @Test func aReplyEndsTheCallAndNamesWhoServedIt() {
        var call = call(reissuesInDoubt: false)
        #expect(call.start(at: start) == .attempt(owners[0], until: start + .seconds(5)))
        let ok = RenderedReply(contentType: "text/plain", body: Array("hi".utf8))
        guard case let .finished(finish)? = call.receive(reply(.success(ok)), from: owners[0], at: start + .milliseconds(3)) else {
            Issue.record("a reply must end the call")
            return
        }
        #expect(finish.servedBy == owners[0])
        #expect(finish.reply.outcome == .success(ok))
        #expect(call.attempts == 1)
    }

    @Test func aRefusalTheNextOwnerMayNotShareMovesOn() {
        var call = call(reissuesInDoubt: false)
        _ = call.start(at: start)
        let refused = reply(.failure(CallFailure(.notOffered, "not here")))
        #expect(call.receive(refused, from: owners[0], at: start) == .attempt(owners[1], until: start + .seconds(5)))
        // A handler's own error is the answer: never retried elsewhere.
        let thrown = reply(.failure(CallFailure(.handler, "out of stock")))
        guard case let .finished(finish)? = call.receive(thrown, from: owners[1], at: start) else {
            Issue.record("a handler's error must end the call")
            return
        }
        #expect(finish.servedBy == owners[1])
        #expect(call.attempts == 2)
    }

    @Test func anAttemptInDoubtMovesOnOnlyWhenRunningTwiceIsHarmless() {
        var strict = call(reissuesInDoubt: false)
        _ = strict.start(at: start)
        guard case let .finished(finish)? = strict.receive(.noAnswer("timed out"), from: owners[0], at: start + .seconds(5)) else {
            Issue.record("an attempt in doubt must end a call that may not run twice")
            return
        }
        guard case let .failure(failure) = finish.reply.outcome else {
            Issue.record("it must end in a failure")
            return
        }
        #expect(failure.code == .uncertain)

        var idempotent = call(reissuesInDoubt: true)
        #expect(idempotent.start(at: start) == .attempt(owners[0], until: start + .seconds(1)))
        #expect(idempotent.receive(.noAnswer("timed out"), from: owners[0], at: start + .seconds(1)) == .attempt(owners[1], until: start + .seconds(2)))
    }

    @Test func anAttemptThatNeverLeftMovesOnEvenForACallThatMayNotRunTwice() {
        var call = call(reissuesInDoubt: false)
        _ = call.start(at: start)
        #expect(call.receive(.notSent("connection refused"), from: owners[0], at: start) == .attempt(owners[1], until: start + .seconds(5)))
    }

    @Test func staleAnswersAreIgnored() {
        var call = call(reissuesInDoubt: true)
        _ = call.start(at: start)
        _ = call.receive(.noAnswer("timed out"), from: owners[0], at: start + .seconds(1))
        // The first owner's late reply, after the call moved on, changes nothing.
        #expect(call.receive(reply(.failure(CallFailure(.handler, "late"))), from: owners[0], at: start + .seconds(1)) == nil)
        #expect(call.asking == owners[1])
        _ = call.receive(reply(.success(RenderedReply(contentType: "text/plain", body: []))), from: owners[1], at: start + .seconds(1))
        #expect(call.receive(.noAnswer("timed out"), from: owners[1], at: start + .seconds(2)) == nil)
        #expect(call.finish?.servedBy == owners[1])
    }

    @Test func noOwnersOrNoTimeEndsAtOnce() {
        var none = RoutedCall(id: id, owners: [], deadline: start + .seconds(5), attemptTimeout: .seconds(1), reissuesInDoubt: true)
        guard case let .finished(finish) = none.start(at: start), case let .failure(failure) = finish.reply.outcome else {
            Issue.record("a call with no owners must fail")
            return
        }
        #expect(failure.code == .noOwners)
        var late = call(reissuesInDoubt: true)
        guard case let .finished(lateFinish) = late.start(at: start + .seconds(6)), case let .failure(lateFailure) = lateFinish.reply.outcome else {
            Issue.record("a call past its deadline must fail")
            return
        }
        #expect(lateFailure.code == .deadlineExceeded)
    }
}
