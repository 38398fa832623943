import Foundation
import PelotonMembership
import PelotonSimulator
import Testing

/// Runs a simulation on a thread of its own. A run takes seconds of CPU without suspending: on
/// Swift's cooperative pool (one thread per core, two here) a few of them at once starve every
/// other test running in parallel, which then fails on its time limit.
func simulateOnAThreadOfItsOwn(
    _ scenario: Scenario, seed: UInt64? = nil, configure: @escaping @Sendable (Simulation) -> Void = { _ in }
) async -> SimulationReport {
    await withCheckedContinuation { continuation in
        let thread = Thread {
            let simulation = Simulation(scenario: scenario, seed: seed)
            configure(simulation)
            continuation.resume(returning: simulation.run())
        }
        thread.stackSize = 16 << 20
        thread.start()
    }
}

/// Every scenario file in Simulations/ runs, and its invariants hold. A failure prints the
/// seed and the command that replays the same run.
@Suite struct ScenarioTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Simulations")

    static var scenarioFiles: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).filter { $0.hasSuffix(".json") }.sorted()
    }

    @Test func thereAreScenarios() {
        #expect(Self.scenarioFiles.count >= 8)
    }

    @Test(arguments: scenarioFiles)
    func scenarioHoldsItsInvariants(file: String) async throws {
        let path = Self.directory.appendingPathComponent(file).path
        let scenario = try Scenario.load(from: path)
        let report = await simulateOnAThreadOfItsOwn(scenario)
        #expect(report.violations.isEmpty, """
            \(report.summary)
            replay: swift run peloton simulate Simulations/\(file) --seed \(report.seed)
            """)
    }

    @Test func sameSeedGivesTheSameTraceAndAnotherSeedDoesNot() throws {
        let scenario = try Scenario.load(from: Self.directory.appendingPathComponent("crash-one.json").path)
        let first = Simulation(scenario: scenario).run()
        let second = Simulation(scenario: scenario).run()
        let other = Simulation(scenario: scenario, seed: scenario.seed + 1).run()
        #expect(first.traceHash == second.traceHash)
        #expect(first.datagrams == second.datagrams)
        #expect(first.traceHash != other.traceHash)
    }

    @Test func everyMessageSurvivesTheCodec() throws {
        var scenario = try Scenario.load(from: Self.directory.appendingPathComponent("partition-heal.json").path)
        scenario.nodes = 8
        let simulation = Simulation(scenario: scenario)
        simulation.roundTripEveryMessage = true
        let report = simulation.run()
        #expect(report.violations.isEmpty, "\(report.summary)")
        #expect(report.datagrams > 1_000)
    }

    /// The checks must be able to fail: a crash with a bound too short to meet is reported.
    @Test func aViolatedBoundIsReported() throws {
        var scenario = try Scenario.load(from: Self.directory.appendingPathComponent("crash-one.json").path)
        scenario.invariants.crashDetectionBoundSeconds = 0.5
        let report = Simulation(scenario: scenario).run()
        #expect(report.violations.contains { $0.contains("declared dead everywhere") })
    }

    @Test func unknownKeysAndBadNodesAreClearErrors() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let typo = directory.appendingPathComponent("typo.json")
        try #"{"nodes": 3, "durationSeconds": 10, "faults": [{"atSeconds": 1, "action": "crash", "node": [1]}]}"#.write(to: typo, atomically: true, encoding: .utf8)
        #expect(throws: Error.self) { try Scenario.load(from: typo.path) }
        let badNode = directory.appendingPathComponent("bad.json")
        try #"{"nodes": 3, "durationSeconds": 10, "faults": [{"atSeconds": 1, "action": "crash", "nodes": [7]}]}"#.write(to: badNode, atomically: true, encoding: .utf8)
        do {
            _ = try Scenario.load(from: badNode.path)
            Issue.record("a fault naming node 7 of 3 was accepted")
        } catch {
            #expect("\(error)".contains("names node 7"))
        }
    }
}
