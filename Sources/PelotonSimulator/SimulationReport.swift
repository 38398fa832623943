import Foundation

/// The outcome of one run: numbers for people, violations for tests.
public struct SimulationReport: Sendable {
    public struct CrashDetection: Sendable {
        public let node: Int
        public let crashedAtSeconds: Double
        /// Seconds from the crash to the first suspicion, first death, and death in every view.
        public let firstSuspicion: Double?
        public let firstDeath: Double?
        public let allDeclaredDead: Double?
    }

    public struct TimelineRow: Sendable {
        public let second: Int
        public let running: Int
        public let agreeing: Int
        public let datagrams: Int
        public let bytes: Int
        public let suspicions: Int
        public let deaths: Int
    }

    public let description: String
    public let nodes: Int
    public let seed: UInt64
    public let simulatedSeconds: Double
    public let wallSeconds: Double
    public let traceHash: UInt64
    public let crashes: [CrashDetection]
    public let falseDeaths: Int
    public let falseSuspicions: Int
    public let refutations: Int
    public let datagrams: Int
    public let datagramBytes: Int
    public let streamMessages: Int
    public let streamBytes: Int
    public let droppedMessages: Int
    public let bytesPerNodePerSecond: Double
    public let datagramsPerNodePerSecond: Double
    public let convergedAtEnd: Bool
    /// Seconds from the last fault until every running node had the right view for good.
    public let convergenceSeconds: Double?
    public let timeline: [TimelineRow]
    public let calls: CallReport?
    public let job: JobReport?
    public let state: StateReport?
    public let events: EventReport?
    public let violations: [String]

    public var speedup: Double { simulatedSeconds / max(wallSeconds, 1e-9) }

    public var summary: String {
        var lines = [
            "scenario: \(description)",
            "nodes \(nodes), seed \(seed), \(format(simulatedSeconds)) s simulated in \(format(wallSeconds)) s (\(format(speedup))× real time)",
            "traffic: \(format(datagramsPerNodePerSecond)) datagrams and \(format(bytesPerNodePerSecond)) bytes per node per second; \(streamMessages) push-pull streams; \(droppedMessages) dropped",
            "false positives: \(falseDeaths) healthy nodes declared dead, \(falseSuspicions) suspect events about running nodes (summed over all views), \(refutations) refutations",
            "converged: " + (convergedAtEnd ? "yes" + (convergenceSeconds.map { ", \(format($0)) s after the last fault" } ?? "") : "NO"),
            "trace hash: \(String(traceHash, radix: 16))",
        ]
        if !crashes.isEmpty {
            lines.append("crash detection (seconds after the crash):")
            lines.append("  node  crashed@  first-suspect  first-dead  all-dead")
            for crash in crashes.prefix(20) {
                lines.append("  \(pad(crash.node, 4))  \(pad(format(crash.crashedAtSeconds), 8))  \(pad(crash.firstSuspicion.map(format) ?? "-", 13))  \(pad(crash.firstDeath.map(format) ?? "-", 10))  \(pad(crash.allDeclaredDead.map(format) ?? "-", 8))")
            }
            if crashes.count > 20 { lines.append("  … \(crashes.count - 20) more") }
            let suspicions = crashes.compactMap(\.firstSuspicion)
            let allDead = crashes.compactMap(\.allDeclaredDead)
            if !suspicions.isEmpty {
                lines.append("  mean first suspicion \(format(suspicions.reduce(0, +) / Double(suspicions.count))) s; mean all-dead \(allDead.isEmpty ? "-" : format(allDead.reduce(0, +) / Double(allDead.count))) s")
            }
        }
        if let calls { lines.append(calls.summary) }
        if let job { lines.append(job.summary) }
        if let state { lines.append(state.summary) }
        if let events { lines.append(events.summary) }
        for violation in violations.prefix(10) { lines.append("VIOLATION: \(violation)") }
        return lines.joined(separator: "\n")
    }

    /// One row per simulated second.
    public var csv: String {
        var text = "second,running,agreeing,datagrams,bytes,suspicions,deaths\n"
        for row in timeline {
            text += "\(row.second),\(row.running),\(row.agreeing),\(row.datagrams),\(row.bytes),\(row.suspicions),\(row.deaths)\n"
        }
        return text
    }
}


extension Simulation {
    /// What happened up to now; `wallSeconds` is what the run took, for the speed figure.
    public func report(wallSeconds: Double) -> SimulationReport {
        metrics.finish(at: now)
        let end = now
        let crashes = metrics.crashes.map { record in
            SimulationReport.CrashDetection(
                node: record.node, crashedAtSeconds: Double(record.at) / 1e9,
                firstSuspicion: record.firstSuspect.map { Double($0 - record.at) / 1e9 },
                firstDeath: record.firstDead.map { Double($0 - record.at) / 1e9 },
                allDeclaredDead: record.allDead.map { Double($0 - record.at) / 1e9 })
        }
        let refutations = nodes.compactMap(\.membership).reduce(0) { $0 + $1.counters.refutations }
        let timeline = metrics.timeline.enumerated().map { second, row in
            SimulationReport.TimelineRow(
                second: second, running: row.running, agreeing: row.agreeing, datagrams: row.datagrams,
                bytes: row.bytes, suspicions: row.suspicions, deaths: row.deaths)
        }
        let lastSample = metrics.timeline.last(where: { $0.running > 0 })
        let convergedAtEnd = lastSample.map { $0.agreeing == $0.running } ?? false
        var convergence: Double?
        if convergedAtEnd {
            let settledAt = max(metrics.lastDisagreementAt ?? 0, metrics.lastFaultAt)
            convergence = Double(settledAt - metrics.lastFaultAt) / 1e9
        }
        var violations = metrics.violations
        let invariants = scenario.invariants
        if invariants.converges && !convergedAtEnd {
            let agreeing = lastSample?.agreeing ?? 0
            violations.append("views did not converge: \(agreeing) of \(lastSample?.running ?? 0) running nodes had the right view at the end")
        }
        if invariants.noFalseDeaths && metrics.falseDeaths > 0 {
            violations.append("\(metrics.falseDeaths) healthy nodes were declared dead: " + metrics.falseDeathDetails.joined(separator: "; "))
        }
        if let bound = invariants.crashDetectionBoundSeconds {
            // `crashes` was mapped one-to-one from `metrics.crashes`, in order.
            for (record, crash) in zip(metrics.crashes, crashes) where crash.crashedAtSeconds + bound <= Double(end) / 1e9 {
                guard let allDead = crash.allDeclaredDead else {
                    // A node restarted before everyone noticed is not a missed detection.
                    if record.closed { continue }
                    violations.append("node \(crash.node), crashed at \(format(crash.crashedAtSeconds)) s, was not declared dead by every running node")
                    continue
                }
                if allDead > bound {
                    violations.append("node \(crash.node) took \(format(allDead)) s to be declared dead everywhere (bound \(format(bound)) s)")
                }
            }
        }
        let callOutcome = callReport()
        violations += callOutcome?.1 ?? []
        let stateOutcome = stateReport()
        violations += stateOutcome?.1 ?? []
        let eventOutcome = eventReport()
        violations += eventOutcome?.1 ?? []
        let jobOutcome = jobReport()
        violations += jobOutcome?.1 ?? []
        let nodeSeconds = max(metrics.nodeSeconds, 1e-9)
        return SimulationReport(
            description: scenario.description, nodes: nodes.count, seed: seed, simulatedSeconds: Double(end) / 1e9,
            wallSeconds: wallSeconds, traceHash: trace.value, crashes: crashes, falseDeaths: metrics.falseDeaths,
            falseSuspicions: metrics.falseSuspicions, refutations: refutations, datagrams: metrics.datagrams,
            datagramBytes: metrics.datagramBytes, streamMessages: metrics.streamMessages, streamBytes: metrics.streamBytes,
            droppedMessages: metrics.dropped, bytesPerNodePerSecond: Double(metrics.datagramBytes) / nodeSeconds,
            datagramsPerNodePerSecond: Double(metrics.datagrams) / nodeSeconds, convergedAtEnd: convergedAtEnd,
            convergenceSeconds: convergence, timeline: timeline, calls: callOutcome?.0, job: jobOutcome?.0, state: stateOutcome?.0, events: eventOutcome?.0, violations: violations)
    }
}
