@testable import PelotonNode
import Testing

/// The dashboard's fifteen minutes of history, and the charts drawn from it.
@Suite struct MetricHistoryTests {
    @Test func ratesAndPercentilesPerStepAndServiceFromCompletedStepsOnly() {
        var history = MetricHistory()
        // Step 0 (seconds 0-9): 20 echo calls of 1..20 ms, 5 counter calls.
        for index in 1...20 { history.recordCall(service: "echo", milliseconds: Double(index), atSecond: 3) }
        for _ in 0..<5 { history.recordCall(service: "counter", milliseconds: 7, atSecond: 4) }
        history.recordStateWrite(atSecond: 5)
        history.recordGossipBytes(1_000, atSecond: 5)
        // Step 1 under way: not in the rates yet.
        history.recordCall(service: "echo", milliseconds: 99, atSecond: 12)
        let rates = history.callRates(atSecond: 15)
        #expect(rates.map(\.name) == ["counter", "echo"])
        #expect(rates.allSatisfy { $0.points.count == MetricHistory.steps })
        #expect(rates[1].points.last == 2.0, "20 calls in 10 s")
        #expect(rates[0].points.last == 0.5)
        let p50 = history.latency(0.5, atSecond: 15)[1].points.last ?? nil
        let p99 = history.latency(0.99, atSecond: 15)[1].points.last ?? nil
        #expect(p50 == 11 && p99 == 20)
        #expect(history.latency(0.5, atSecond: 15)[1].points.first == .some(nil), "no calls, no point")
        #expect(history.stateWriteRate(atSecond: 15).points.last == 0.1)
        #expect(history.gossipByteRate(atSecond: 15).points.last == 100)
    }

    @Test func itIsBoundedInStepsServicesAndSamples() {
        var history = MetricHistory()
        for second in stride(from: Int64(0), to: 3_600, by: 5) {
            for service in 0..<20 { history.recordCall(service: "s\(service)", milliseconds: 1, atSecond: second) }
        }
        #expect(history.history.count <= MetricHistory.steps)
        #expect(history.callRates(atSecond: 3_600).count == MetricHistory.maxServices)
        var busy = MetricHistory()
        for index in 0..<10_000 { busy.recordCall(service: "echo", milliseconds: Double(index % 100), atSecond: 1) }
        #expect(busy.history[0].latencies["echo"]?.count == MetricHistory.maxLatencySamples)
        #expect(busy.history[0].calls["echo"] == 10_000)
    }

    @Test func membersAreTheLastCountOfEachStepIncludingTheCurrentOne() {
        var history = MetricHistory()
        history.recordMembers(.init(alive: 3, suspect: 0, dead: 0), atSecond: 1)
        history.recordMembers(.init(alive: 2, suspect: 1, dead: 0), atSecond: 11)
        let members = history.members(atSecond: 12)
        #expect(members.map(\.name) == ["alive", "suspect", "dead"])
        #expect(members[0].points.suffix(2) == [3, 2] && members[1].points.last == 1)
        #expect(members[0].points.first == .some(nil))
    }

    @Test func aChartIsSVGWithItsLinesScaleAndEscapedNames() {
        let svg = SVGChart.render(title: "calls <routed>", unit: "/s", lines: [
            SVGChart.Line(name: "a&b", color: "red", points: [1, 2, nil, 40, 30]),
            SVGChart.Line(name: "empty", color: "blue", points: [nil, nil]),
        ])
        #expect(svg.hasPrefix("<svg class=\"chart\"") && svg.hasSuffix("</svg>"))
        #expect(svg.contains("calls &lt;routed&gt;") && svg.contains("a&amp;b") && !svg.contains("<routed>"))
        #expect(svg.components(separatedBy: "<polyline").count == 3, "a gap splits the line in two; an empty line draws nothing")
        #expect(svg.contains(">50/s<"), "the scale rounds 40 up to 50")
        #expect(SVGChart.roundUp(0) == 1 && SVGChart.roundUp(101) == 200 && SVGChart.roundUp(7) == 10 && SVGChart.roundUp(1) == 1)
    }
}
