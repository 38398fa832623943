@testable import PelotonNode
import Testing

@Suite struct RateWindowTests {
    @Test func theRateIsTheMeanOfTheWholeSecondsInTheWindow() {
        var window = RateWindow(seconds: 4)
        for second in Int64(100)..<104 { window.record(10, atSecond: second) }
        // Seconds 100–103 are whole at 104: 40 over 4 seconds.
        #expect(window.perSecond(atSecond: 104) == 10)
        // At 103, second 103 is under way and 99 was empty.
        #expect(window.perSecond(atSecond: 103) == 7.5)
        window.record(2, atSecond: 104)
        #expect(window.perSecond(atSecond: 105) == 8)
    }

    @Test func quietSecondsClearTheirBucketsAndALongSilenceReadsZero() {
        var window = RateWindow(seconds: 3)
        window.record(30, atSecond: 10)
        #expect(window.perSecond(atSecond: 11) == 10)
        #expect(window.perSecond(atSecond: 13) == 10)
        #expect(window.perSecond(atSecond: 14) == 0)
        // Recording after the silence must not find the old count in a reused bucket.
        window.record(3, atSecond: 13 + 3 * 1_000)
        #expect(window.perSecond(atSecond: 13 + 3 * 1_000 + 1) == 1)
    }

    @Test func aClockThatStepsBackCountsIntoTheNewestSecond() {
        var window = RateWindow(seconds: 2)
        window.record(4, atSecond: 50)
        window.record(2, atSecond: 45)
        #expect(window.perSecond(atSecond: 51) == 3)
    }
}
