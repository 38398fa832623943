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

    /// The defect found on real hosts: an owner frozen with writes in hand runs them when it
    /// resumes, so sending them on to the next owner after a time-out counts them twice. The
    /// same run with that reissue breaks the counts; without it, no increment counts twice.
    @Test func aPausedOwnerNeverMakesAnIncrementCountTwice() async throws {
        let scenario = try CallTrafficTests.scenario("state-paused-owner.json")
        let report = await simulateOnAThreadOfItsOwn(scenario)
        #expect(report.violations.isEmpty, "\(report.violations.prefix(5))")
        let state = try #require(report.state)
        #expect(state.appliedTwice == 0 && state.overcountedCopies == 0 && state.lostAcknowledged == 0)
        // The pause left writes in doubt, and some were applied when the owner resumed.
        #expect(state.uncertain > 0)

        let broken = await simulateOnAThreadOfItsOwn(scenario) { $0.reissueStateWritesInDoubt = true }
        #expect((broken.state?.appliedTwice ?? 0) > 0, "\(broken.summary)")
        #expect(broken.violations.contains { $0.contains("above its") && $0.contains("acknowledged and") })
    }

    @Test func aPauseNeedsNodesAndALength() throws {
        let noLength = #"{"nodes": 4, "durationSeconds": 5, "faults": [{"atSeconds": 1, "action": "pause", "nodes": [1]}]}"#
        let scenario = try JSONDecoder().decode(Scenario.self, from: Data(noLength.utf8))
        #expect(throws: ScenarioError.self) { try scenario.validate() }
    }
}
