import Foundation
import PelotonJobs
import Testing

@Suite struct JobRunTests {
    static func record(units: Int, maxAttempts: Int = 3) -> JobRecord {
        JobRecord(id: "j1", name: "count", priority: 0, input: "{}", maxAttempts: maxAttempts, units: units, submittedAtMilliseconds: 1_000)
    }

    @Test func unitsGoOutInOrderUpToTheLimitAndTheLastOneCombinesInUnitOrder() {
        var run = JobRun(record: Self.record(units: 4), partials: [:], maxInFlight: 2)
        #expect(run.start() == [.save, .dispatch(unit: 0), .dispatch(unit: 1)])
        #expect(run.record.status == .running)
        // Finishing out of order frees a place for the next pending unit.
        #expect(run.unitSucceeded(1, partial: [1]) == [.savePartial(unit: 1, partial: [1]), .save, .dispatch(unit: 2)])
        #expect(run.progressPercent == 25)
        #expect(run.unitSucceeded(1, partial: [9]).isEmpty, "a unit reported twice counts once")
        _ = run.unitSucceeded(0, partial: [0])
        _ = run.unitSucceeded(2, partial: [2])
        #expect(run.unitSucceeded(3, partial: [3]) == [.savePartial(unit: 3, partial: [3]), .save, .combine([[0], [1], [2], [3]])])
        #expect(run.combined(.success("6"), atMilliseconds: 5_000) == [.save])
        #expect(run.record.status == .done && run.record.result == "6" && run.record.finishedAtMilliseconds == 5_000)
        #expect(run.unitSucceeded(0, partial: [0]).isEmpty && run.cancel(atMilliseconds: 6_000).isEmpty, "a finished job stays finished")
    }

    @Test func handlerErrorsAreRetriedUntilTheLastAttemptFailsTheJob() {
        var run = JobRun(record: Self.record(units: 2, maxAttempts: 2), partials: [:], maxInFlight: 2)
        _ = run.start()
        #expect(run.unitFailed(0, error: "boom", byHandler: true, atMilliseconds: 2_000) == [.save, .dispatch(unit: 0)])
        #expect(run.record.units[0].attempts == 1)
        #expect(run.unitFailed(0, error: "boom again", byHandler: true, atMilliseconds: 3_000) == [.cancelUnits, .save])
        #expect(run.record.status == .failed)
        #expect(run.record.error == "unit 0 failed 2 times: boom again")
    }

    @Test func aUnitNoOwnerCouldTakeIsSentAgainWithoutCountingAnAttempt() {
        var run = JobRun(record: Self.record(units: 1, maxAttempts: 1), partials: [:], maxInFlight: 1)
        _ = run.start()
        for _ in 0..<5 {
            #expect(run.unitFailed(0, error: "no owner answered", byHandler: false, atMilliseconds: 2_000) == [.save, .dispatch(unit: 0)])
        }
        #expect(run.record.units[0].attempts == 0 && run.record.status == .running)
    }

    @Test func cancellingStopsEveryUnitAndLaterResultsAreIgnored() {
        var run = JobRun(record: Self.record(units: 3), partials: [:], maxInFlight: 3)
        _ = run.start()
        #expect(run.cancel(atMilliseconds: 2_000) == [.cancelUnits, .save])
        #expect(run.record.status == .cancelled)
        #expect(run.unitSucceeded(0, partial: [1]).isEmpty)
        #expect(run.record.progressPercent == 0)
    }

    @Test func aTakenOverJobRunsAgainWhatWasRunningOrLostItsPartial() {
        var left = Self.record(units: 4)
        left.status = .running
        left.units[0].status = .done
        left.units[1].status = .done
        left.units[2].status = .running
        // Unit 1's partial never made it to the state: it is not done.
        var run = JobRun(record: left, partials: [0: [7]], maxInFlight: 4)
        #expect(run.start() == [.save, .dispatch(unit: 1), .dispatch(unit: 2), .dispatch(unit: 3)])
        _ = run.unitSucceeded(1, partial: [8])
        _ = run.unitSucceeded(2, partial: [9])
        #expect(run.unitSucceeded(3, partial: [10]).last == .combine([[7], [8], [9], [10]]))
    }

    @Test func theQueuePutsHigherPriorityThenEarlierJobsFirst() {
        var queue = UnitQueue<String>()
        queue.push(.init(priority: 0, submittedAtMilliseconds: 10, jobID: "a", unit: 1, item: "a1"))
        queue.push(.init(priority: 5, submittedAtMilliseconds: 30, jobID: "c", unit: 0, item: "c0"))
        queue.push(.init(priority: 0, submittedAtMilliseconds: 10, jobID: "a", unit: 0, item: "a0"))
        queue.push(.init(priority: 0, submittedAtMilliseconds: 20, jobID: "b", unit: 0, item: "b0"))
        #expect(queue.removeAll(ofJob: "b").map(\.item) == ["b0"])
        var order: [String] = []
        while let next = queue.popBest() { order.append(next.item) }
        #expect(order == ["c0", "a0", "a1"])
    }
}

@Suite struct JobRecordTests {
    @Test func tenThousandUnitsFitOneStateRegisterAndComeBackTheSame() throws {
        var record = JobRunTests.record(units: 10_000)
        record.status = .running
        for index in stride(from: 0, to: 10_000, by: 3) { record.units[index].status = .done }
        record.units[7] = .init(status: .running, attempts: 2, error: String(repeating: "e", count: 500))
        let encoded = try JSONEncoder().encode(record)
        #expect(encoded.count < 64 << 10, "\(encoded.count) bytes")
        var expected = record
        expected.units[7].error = String(repeating: "e", count: 200)
        #expect(try JSONDecoder().decode(JobRecord.self, from: encoded) == expected)
        #expect(throws: (any Error).self) {
            try JSONDecoder().decode(JobRecord.self, from: Data(String(decoding: encoded, as: UTF8.self).replacingOccurrences(of: "\"unitStatus\":\"d", with: "\"unitStatus\":\"x").utf8))
        }
    }
}
