import PelotonCore
import PelotonCrypto
import PelotonJobs
import PelotonNodeCore
import PelotonServices
import Testing

/// A work unit's way to its owners and back into its job's run.
@Suite struct UnitDispatchTests {
    let owners = [NodeID(high: 1, low: 1), NodeID(high: 2, low: 2)]
    let start = Instant(nanoseconds: 1_000_000_000)
    let id = RequestID(high: 3, low: 3)

    @Test func aUnitCutOffMidRunGoesToTheNextOwnerAndASlowOneWaits() {
        var routed = UnitDispatch.routed(id, owners: owners, at: start)
        // A unit may run for minutes: its attempt is the whole budget, not a call's timeout.
        #expect(routed.start(at: start) == .attempt(owners[0], until: start + UnitDispatch.attemptTimeout))
        #expect(routed.receive(.noAnswer("connection reset"), from: owners[0], at: start + .seconds(1)) == .attempt(
            owners[1], until: start + UnitDispatch.attemptTimeout))
    }

    @Test func aHandlersErrorCountsAgainstTheUnitAndNoOwnerDoesNot() {
        let failed = CallReply(id: id, outcome: .failure(CallFailure(.handler, "bad input")))
        #expect(UnitDispatch.outcome(of: failed) == .failed("bad input", byHandler: true))
        let nobody = CallReply(id: id, outcome: .failure(CallFailure(.unavailable, "all owners failed")))
        #expect(UnitDispatch.outcome(of: nobody) == .failed("all owners failed", byHandler: false))
        let done = CallReply(id: id, outcome: .success(RenderedReply(contentType: "application/json", body: [0x31])))
        #expect(UnitDispatch.outcome(of: done) == .succeeded(partial: [0x31]))
    }

    @Test func theRunHearsTheOutcome() {
        let record = JobRecord(id: "j", name: "sum", priority: 0, input: "{}", maxAttempts: 1, units: 1, submittedAtMilliseconds: 0)
        var run = JobRun(record: record, partials: [:], maxInFlight: 1)
        #expect(run.start().contains(.dispatch(unit: 0)))
        let effects = UnitDispatch.report(.succeeded(partial: [0x31]), of: 0, to: &run, atMilliseconds: 1)
        #expect(effects.contains(.combine([[0x31]])))
    }
}
