import ArgumentParser
import Foundation
import PelotonSimulator

/// `peloton simulate FILE [--seed N]`: runs a scenario in the deterministic simulator.
struct Simulate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a scenario from Simulations/ in the deterministic multi-node simulator.",
        discussion: "The same seed replays the same run exactly; a failing test prints the command to replay it."
    )

    @Argument(help: "The scenario file (JSON), e.g. Simulations/crash-one.json.")
    var scenario: String

    @Option(help: "Override the scenario's seed.")
    var seed: UInt64?

    @Option(help: "Override the number of nodes.")
    var nodes: Int?

    @Option(help: "Write one row per simulated second as CSV to this file.")
    var csv: String?

    @Option(help: "Write the timeline as an SVG chart to this file.")
    var svg: String?

    @Flag(help: "Encode and decode every message through the wire codec (slower).")
    var roundTrip = false

    func run() throws {
        var loaded = try Scenario.load(from: scenario)
        if let nodes {
            loaded.nodes = nodes
            try loaded.validate()
        }
        let simulation = Simulation(scenario: loaded, seed: seed)
        simulation.roundTripEveryMessage = roundTrip
        let progress = ProgressOutput("simulating \(URL(fileURLWithPath: scenario).lastPathComponent)")
        let started = ContinuousClock.now
        simulation.progress = { done, total in
            let elapsed = (ContinuousClock.now - started).components
            let wall = Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
            progress.update(fraction: done / total, detail: "\(Int(done)) of \(Int(total)) s simulated, \(format(done / max(wall, 0.001)))× real time")
        }
        let report = simulation.run()
        progress.finish()
        print(report.summary)
        if let csv { try report.csv.write(toFile: csv, atomically: true, encoding: .utf8) }
        if let svg { try report.svgChart.write(toFile: svg, atomically: true, encoding: .utf8) }
        if !report.violations.isEmpty { throw ExitCode(1) }
    }
}
