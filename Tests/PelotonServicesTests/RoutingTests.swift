import PelotonCore
import PelotonCrypto
import PelotonServices
import PelotonState
import Testing

@Suite struct CallPlanTests {
    let owners = [NodeID(high: 1, low: 1), NodeID(high: 2, low: 2), NodeID(high: 3, low: 3)]
    let start = Instant(nanoseconds: 1_000_000_000)

    @Test func ownersAreTriedInOrderEachWithItsOwnTimeout() {
        var plan = CallPlan(owners: owners, deadline: start + .seconds(5), attemptTimeout: .seconds(1), reissuesInDoubt: true)
        #expect(plan.next(at: start) == .attempt(owners[0], until: start + .seconds(1)))
        plan.attemptFailed("connection refused", .notRun)
        #expect(plan.next(at: start + .milliseconds(10)) == .attempt(owners[1], until: start + .milliseconds(1_010)))
        plan.attemptFailed("timed out", .inDoubt)
        #expect(plan.next(at: start + .seconds(2)) == .attempt(owners[2], until: start + .seconds(3)))
        plan.attemptFailed("reset", .inDoubt)
        guard case let .finish(failure) = plan.next(at: start + .seconds(3)) else {
            Issue.record("a plan with no owners left must finish")
            return
        }
        #expect(failure.code == .unavailable)
        #expect(failure.message.contains("reset"))
        #expect(plan.attempted == owners)
    }

    @Test func anAttemptNeverOutlivesTheDeadline() {
        var plan = CallPlan(owners: owners, deadline: start + .milliseconds(300), attemptTimeout: .seconds(1), reissuesInDoubt: true)
        #expect(plan.next(at: start) == .attempt(owners[0], until: start + .milliseconds(300)))
        plan.attemptFailed("timed out", .inDoubt)
        guard case let .finish(failure) = plan.next(at: start + .milliseconds(300)) else {
            Issue.record("a plan past its deadline must finish")
            return
        }
        #expect(failure.code == .deadlineExceeded)
    }

    @Test func ownersKnownDownAreSkipped() {
        var plan = CallPlan(owners: owners, deadline: start + .seconds(5), attemptTimeout: .seconds(1), reissuesInDoubt: true)
        #expect(plan.next(at: start, isDown: { $0 == owners[0] }) == .attempt(owners[1], until: start + .seconds(1)))
        #expect(plan.attempted == [owners[1]])
    }

    @Test func anAttemptInDoubtEndsAPlanThatMayNotReissue() {
        var plan = CallPlan(owners: owners, deadline: start + .seconds(5), attemptTimeout: .seconds(1), reissuesInDoubt: false)
        // An attempt that could not move on once sent has the whole deadline.
        #expect(plan.next(at: start) == .attempt(owners[0], until: start + .seconds(5)))
        // Never sent: the next owner may take it.
        plan.attemptFailed("connection refused", .notRun)
        #expect(plan.next(at: start + .milliseconds(10)) == .attempt(owners[1], until: start + .seconds(5)))
        // Sent and unanswered: it may have run, so no other owner is asked.
        plan.attemptFailed("timed out", .inDoubt)
        guard case let .finish(failure) = plan.next(at: start + .milliseconds(1_010)) else {
            Issue.record("a write in doubt must not go to a third owner")
            return
        }
        #expect(failure.code == .uncertain)
        #expect(failure.status == 504)
        #expect(failure.message.contains(owners[1].short))
        #expect(plan.attempted == [owners[0], owners[1]])
        // It stays finished.
        #expect(plan.next(at: start + .seconds(2)) == .finish(failure))
    }

    @Test func noOwnersIsItsOwnFailure() {
        var plan = CallPlan(owners: [], deadline: start + .seconds(5), attemptTimeout: .seconds(1), reissuesInDoubt: true)
        #expect(plan.next(at: start) == .finish(CallFailure(.noOwners, "no alive member offers this service")))
        #expect(CallFailure(.noOwners, "").status == 503)
    }
}

@Suite struct RequestLedgerTests {
    let now = Instant(nanoseconds: 0)

    @Test func aRequestRunsOnceThenReplays() {
        var ledger = RequestLedger<String>(capacity: 10, retention: .seconds(30))
        let id = RequestID(high: 0, low: 1)
        #expect(ledger.admit(id, at: now) == .run)
        #expect(ledger.admit(id, at: now) == .join)
        ledger.finish(id, reply: "done", deadline: now + .seconds(1), at: now)
        #expect(ledger.admit(id, at: now + .seconds(29)) == .replay("done"))
        // Forgotten after the retention; a much later copy runs again.
        #expect(ledger.admit(id, at: now + .seconds(31)) == .run)
    }

    @Test func aLongDeadlineKeepsTheReplyLonger() {
        var ledger = RequestLedger<String>(capacity: 10, retention: .seconds(1))
        let id = RequestID(high: 0, low: 2)
        #expect(ledger.admit(id, at: now) == .run)
        ledger.finish(id, reply: "kept", deadline: now + .seconds(60), at: now)
        #expect(ledger.admit(id, at: now + .seconds(59)) == .replay("kept"))
    }

    @Test func capacityBoundsMemoryOldestFirst() {
        var ledger = RequestLedger<Int>(capacity: 100, retention: .seconds(30))
        for low in 0..<1_000 as Range<UInt64> {
            let id = RequestID(high: 7, low: low)
            _ = ledger.admit(id, at: now)
            ledger.finish(id, reply: Int(low), deadline: now, at: now)
        }
        #expect(ledger.count == 100)
        #expect(ledger.evictedEarly == 900)
        #expect(ledger.admit(RequestID(high: 7, low: 999), at: now) == .replay(999))
        #expect(ledger.admit(RequestID(high: 7, low: 0), at: now) == .run)
    }
}

@Suite struct CallWriteIDTests {
    @Test func aCallNamesEachOfItsWritesTheSameOnEveryRun() throws {
        let id = RequestID(high: 42, low: 7)
        let first = CallContext(requestID: id, key: nil, budget: .seconds(1))
        let again = CallContext(requestID: id, key: "other", budget: .seconds(2))
        let apples = try StateKey(kind: .counter, name: "apples")
        let pears = try StateKey(kind: .counter, name: "pears")
        #expect(first.writeID(for: apples) == again.writeID(for: apples))
        #expect(first.writeID(for: apples) != first.writeID(for: pears))
        #expect(first.writeID(for: apples) != CallContext(requestID: RequestID(high: 42, low: 8), key: nil, budget: .seconds(1)).writeID(for: apples))
    }
}
