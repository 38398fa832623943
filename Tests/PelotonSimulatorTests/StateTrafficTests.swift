import Foundation
import PelotonSimulator
import PelotonState
import Testing

/// Replicated state in the simulator: the checks at the end of a run notice a lost write, and
/// a run replays exactly from its seed.
@Suite struct StateTrafficTests {
    @Test func stateWritesReplayExactlyFromTheSeed() throws {
        var scenario = try CallTrafficTests.scenario("state-partition-heal.json")
        scenario.durationSeconds = 20
        scenario.state?.untilSeconds = 15
        let first = Simulation(scenario: scenario).run()
        let second = Simulation(scenario: scenario).run()
        #expect(first.traceHash == second.traceHash)
        #expect(first.state?.acknowledged == second.state?.acknowledged)
        #expect((first.state?.acknowledged ?? 0) > 1_000)
    }

    @Test func withoutAntiEntropyAPartitionLeavesOwnersApart() throws {
        var scenario = try CallTrafficTests.scenario("state-partition-heal.json")
        // Writes at level one reach one owner; only anti-entropy would bring the others along.
        scenario.state?.antiEntropyIntervalSeconds = 0
        let report = Simulation(scenario: scenario).run()
        #expect((report.state?.lostAcknowledged ?? 0) > 0)
        #expect((report.state?.divergentKeys ?? 0) > 0)
        #expect(report.violations.contains { $0.contains("is missing on owner") })
    }

    @Test func stateScenariosAreValidated() throws {
        var scenario = try CallTrafficTests.scenario("state-partition-heal.json")
        scenario.state?.keys = 0
        #expect(throws: ScenarioError.self) { try scenario.validate() }
        scenario.state?.keys = 10
        scenario.state?.antiEntropyIntervalSeconds = 0.001
        #expect(throws: ScenarioError.self) { try scenario.validate() }
        let unknownLevel = #"{"nodes": 4, "durationSeconds": 5, "state": {"level": "most"}}"#
        #expect(throws: (any Error).self) { try JSONDecoder().decode(Scenario.self, from: Data(unknownLevel.utf8)) }
    }

    @Test func revokedNodesArePrunedAndTheChecksWouldSeeThemLeft() throws {
        var scenario = try CallTrafficTests.scenario("state-prune-revoked.json")
        let report = Simulation(scenario: scenario).run()
        #expect(report.violations.isEmpty, "\(report.violations.prefix(5))")
        #expect((report.state?.keysPruned ?? 0) > 0)
        #expect(report.state?.keysNamingRevoked == 0)

        // With anti-entropy off (pruning steps follow its rounds), the revoked nodes' entries
        // stay and the check says so.
        scenario.state?.antiEntropyIntervalSeconds = 0
        let unpruned = Simulation(scenario: scenario).run()
        #expect((unpruned.state?.keysNamingRevoked ?? 0) > 0)
        #expect(unpruned.violations.contains { $0.contains("still holds entries of revoked node") })

        // A lifetime shorter than the protocol needs: the deadline drops entries no one folded
        // yet, and the check on acknowledged writes notices.
        scenario.state?.antiEntropyIntervalSeconds = 0.5
        scenario.state?.pruneMarkerSeconds = 1
        let hasty = Simulation(scenario: scenario).run()
        #expect(hasty.violations.contains { $0.contains("is missing on owner") })
    }
}
