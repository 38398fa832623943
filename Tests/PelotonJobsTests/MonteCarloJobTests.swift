import PelotonExamples
import PelotonJobs
import Testing

@Suite struct MonteCarloJobTests {
    @Test func theEstimateIsCloseToPiTheSameEveryTimeAndTheSamplesAddUp() async throws {
        let job = MonteCarloJob()
        let units = try job.split(.init(samples: 400_003, units: 7, seed: 42))
        #expect(units.count == 7 && units.reduce(0) { $0 + $1.samples } == 400_003)
        var partials: [MonteCarloJob.Partial] = []
        for unit in units { partials.append(try await job.run(unit)) }
        let output = try job.combine(partials)
        // Four standard deviations of the estimate at 400,003 points is about 0.0104.
        #expect(abs(output.estimate - Double.pi) < 0.0104, "\(output.estimate)")
        #expect(try job.combine(partials.reversed()).inside == output.inside, "combine does not depend on order here")
        var again: [MonteCarloJob.Partial] = []
        for unit in try job.split(.init(samples: 400_003, units: 7, seed: 42)) { again.append(try await job.run(unit)) }
        #expect(try job.combine(again).inside == output.inside)
    }

    @Test func badInputIsRefusedWithTheReason() throws {
        let definition = try MonteCarloJob.definition()
        #expect(throws: JobError.self) { try definition.split(Array(#"{"samples":10,"units":0}"#.utf8)) }
        #expect(throws: JobError.self) { try definition.split(Array(#"{"samples":"many","units":2}"#.utf8)) }
        #expect(throws: JobError.self) { try definition.split(Array("not json".utf8)) }
        #expect(try definition.split(Array(#"{"samples":10,"units":2}"#.utf8)).count == 2)
    }
}
