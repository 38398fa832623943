import Foundation
import PelotonSimulator
import Testing

@Suite struct ProgressTests {
    @Test func theLineShowsTheBarThePercentAndTheDetail() {
        #expect(progressLine("run", fraction: 0.5, detail: "15 of 30 s", width: 10) == "run [█████░░░░░]  50%  15 of 30 s")
        #expect(progressLine("run", fraction: 1, detail: "", width: 4) == "run [████] 100%  ")
        // Out of range or not a number: clamped, never a crash.
        #expect(progressLine("run", fraction: -3, detail: "", width: 4) == "run [░░░░]   0%  ")
        #expect(progressLine("run", fraction: .nan, detail: "", width: 4) == "run [░░░░]   0%  ")
        #expect(progressLine("run", fraction: 7, detail: "", width: 4) == "run [████] 100%  ")
    }

    @Test func aSimulationReportsItsProgressOnceASimulatedSecondWithoutChangingTheRun() throws {
        let file = ScenarioTests.directory.appendingPathComponent("crash-one.json").path
        let scenario = try Scenario.load(from: file)
        let watched = Simulation(scenario: scenario)
        var reports: [(Double, Double)] = []
        watched.progress = { done, total in reports.append((done, total)) }
        let report = watched.run()
        #expect(reports.count == Int(scenario.durationSeconds) - 1 || reports.count == Int(scenario.durationSeconds))
        #expect(reports.map(\.0) == reports.map(\.0).sorted() && reports.allSatisfy { $0.1 == scenario.durationSeconds })
        #expect(report.traceHash == Simulation(scenario: scenario).run().traceHash, "watching must not change the run")
    }
}
