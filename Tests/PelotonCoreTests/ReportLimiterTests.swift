import PelotonCore
import Testing

@Suite struct ReportLimiterTests {
    @Test func theFirstOfEachTopicIsLoggedThenOneAMinuteWithTheCountBetween() {
        var limiter = ReportLimiter(interval: .seconds(60), capacity: 8)
        let topic = ReportLimiter.Topic(subject: "send 198.18.0.1:7946", reason: "EINVAL")
        let start = Instant(nanoseconds: 0)
        #expect(limiter.report(topic, at: start) == 0)
        for second in 1..<60 { #expect(limiter.report(topic, at: start + .seconds(Int64(second))) == nil) }
        #expect(limiter.report(topic, at: start + .seconds(60)) == 59)
        // Another reason or peer is its own topic.
        #expect(limiter.report(.init(subject: "send 198.18.0.1:7946", reason: "EACCES"), at: start + .seconds(61)) == 0)
    }

    @Test func itRemembersAtMostItsCapacity() {
        var limiter = ReportLimiter(interval: .seconds(60), capacity: 2)
        let start = Instant(nanoseconds: 0)
        for peer in 0..<3 { _ = limiter.report(.init(subject: "p\(peer)", reason: "x"), at: start + .seconds(Int64(peer))) }
        // p0 was the oldest and went: it is new again.
        #expect(limiter.report(.init(subject: "p0", reason: "x"), at: start + .seconds(4)) == 0)
        #expect(limiter.report(.init(subject: "p2", reason: "x"), at: start + .seconds(4)) == nil)
    }
}
