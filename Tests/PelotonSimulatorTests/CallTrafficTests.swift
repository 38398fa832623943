import Foundation
import PelotonSimulator
import Testing

/// Routing in the simulator: the call rules hold under faults, and breaking them is noticed.
@Suite struct CallTrafficTests {
    static func scenario(_ file: String) throws -> Scenario {
        try Scenario.load(from: ScenarioTests.directory.appendingPathComponent(file).path)
    }

    @Test func callsReplayExactlyFromTheSeed() throws {
        var scenario = try Self.scenario("owner-crash-calls.json")
        scenario.durationSeconds = 16
        let first = Simulation(scenario: scenario).run()
        let second = Simulation(scenario: scenario).run()
        #expect(first.traceHash == second.traceHash)
        #expect(first.calls?.p99Milliseconds == second.calls?.p99Milliseconds)
        #expect((first.calls?.issued ?? 0) > 2_000)
    }

    @Test func aCrashWithOneOwnerPerKeyIsReportedAsFailedCalls() throws {
        var scenario = try Self.scenario("owner-crash-calls.json")
        scenario.durationSeconds = 16
        scenario.calls?.replicas = 1
        let report = Simulation(scenario: scenario).run()
        // With no second owner, calls to the dead node's keys fail, quickly and definitely.
        #expect((report.calls?.failed ?? 0) > 0)
        #expect(report.calls?.failuresByCode["unavailable"] == report.calls?.failed)
        #expect(report.violations.contains { $0.contains("calls failed (allowed 0)") })
        #expect(!report.violations.contains { $0.contains("after its deadline") || $0.contains("never ended") })
        #expect(report.calls?.doubleRuns == 0)
    }

    /// A call that a cut-off owner took is sent on only for an idempotent service; otherwise
    /// it ends uncertain, and no call runs on two owners.
    @Test func callsToAServiceThatIsNotIdempotentRunOnOneOwnerAtMost() async throws {
        var scenario = try Self.scenario("owner-cut-off-calls.json")
        scenario.calls?.idempotent = false
        scenario.calls?.maxFailedCalls = 1_000_000
        let strict = await simulateOnAThreadOfItsOwn(scenario)
        #expect(strict.violations.isEmpty, "\(strict.violations.prefix(3))")
        #expect((strict.calls?.failuresByCode["uncertain"] ?? 0) > 0)
        #expect(strict.calls?.doubleRuns == 0)

        scenario.calls?.idempotent = true
        scenario.calls?.maxFailedCalls = 0
        let reissuing = await simulateOnAThreadOfItsOwn(scenario)
        #expect(reissuing.violations.isEmpty, "\(reissuing.violations.prefix(3))")
        #expect((reissuing.calls?.reissued ?? 0) > 0)
    }

    @Test func callScenariosAreValidated() throws {
        var scenario = try Self.scenario("owner-crash-calls.json")
        scenario.calls?.replicas = 0
        #expect(throws: ScenarioError.self) { try scenario.validate() }
        scenario.calls?.replicas = 3
        scenario.calls?.handlerMilliseconds = [5, 1]
        #expect(throws: ScenarioError.self) { try scenario.validate() }
        let misspelt = #"{"nodes": 4, "durationSeconds": 5, "calls": {"perSecnd": 10}}"#
        #expect(throws: (any Error).self) { try JSONDecoder().decode(Scenario.self, from: Data(misspelt.utf8)) }
    }
}
