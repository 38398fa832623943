import Foundation
import PelotonSimulator
import Testing

/// Jobs in the simulator: a node dying mid-job costs only the units it held, and a job that
/// cannot finish is reported.
@Suite struct JobTrafficTests {
    @Test func unitsCutOffByACrashAreSentOnAndTheResultIsRight() throws {
        let scenario = try CallTrafficTests.scenario("job-node-crash.json")
        let report = Simulation(scenario: scenario).run()
        #expect(report.violations.isEmpty, "\(report.summary)")
        #expect(report.job?.status == "done" && report.job?.correct == true)
        #expect((report.job?.unitsCut ?? 0) > 0, "the crashes must hit units for the scenario to mean anything")
        #expect(report.traceHash == Simulation(scenario: scenario).run().traceHash)
    }

    @Test func aJobWhoseOnlyOwnersAreGoneIsReportedUnfinished() throws {
        var scenario = try CallTrafficTests.scenario("job-node-crash.json")
        // One owner per unit, and the run ends before the crashed nodes are declared dead:
        // their units have nowhere to go until then (after, the ring moves them on).
        scenario.jobs?.replicas = 1
        scenario.faults.removeAll { $0.action == .restart }
        scenario.durationSeconds = 4
        let report = Simulation(scenario: scenario).run()
        #expect(report.violations.contains { $0.contains("the job did not finish") }, "\(report.summary)")
    }

    @Test func jobSettingsAreChecked() throws {
        var scenario = try CallTrafficTests.scenario("job-node-crash.json")
        scenario.jobs?.units = 0
        #expect(throws: ScenarioError.self) { try scenario.validate() }
        scenario.jobs?.units = 10
        scenario.jobs?.unitMilliseconds = [5, 1]
        #expect(throws: ScenarioError.self) { try scenario.validate() }
    }
}
