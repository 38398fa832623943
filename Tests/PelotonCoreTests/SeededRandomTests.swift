import PelotonCore
import Testing

@Suite struct SeededRandomTests {
    @Test func sameSeedGivesSameSequence() {
        var first = SeededRandom(seed: 42)
        var second = SeededRandom(seed: 42)
        let a = (0..<1000).map { _ in first.next() }
        let b = (0..<1000).map { _ in second.next() }
        #expect(a == b)
    }

    @Test func differentSeedsDiverge() {
        var first = SeededRandom(seed: 1)
        var second = SeededRandom(seed: 2)
        let a = (0..<16).map { _ in first.next() }
        let b = (0..<16).map { _ in second.next() }
        #expect(a != b)
    }

    @Test func chanceMatchesProbabilityRoughly() {
        var random = SeededRandom(seed: 7)
        let hits = (0..<100_000).filter { _ in random.chance(0.1) }.count
        #expect((9_000...11_000).contains(hits))
        #expect(!(0..<1000).contains { _ in random.chance(0) })
        #expect((0..<1000).allSatisfy { _ in random.chance(1) })
    }

    @Test func rangesStayInBounds() {
        var random = SeededRandom(seed: 9)
        for _ in 0..<10_000 {
            #expect((3..<17).contains(Int.random(in: 3..<17, using: &random)))
            let unit = random.unit()
            #expect(unit >= 0 && unit < 1)
        }
    }
}

@Suite struct InstantTests {
    @Test func arithmetic() {
        let start = Instant(nanoseconds: 1_000)
        let later = start + .milliseconds(1500)
        #expect(later.nanoseconds == 1_500_001_000)
        #expect(later - start == .milliseconds(1500))
        #expect(later > start)
        #expect(Duration.seconds(2).scaled(by: 1.5) == .seconds(3))
        #expect(Duration.seconds(Int64.max).nanosecondsClamped == .max)
        #expect(Instant(nanoseconds: 1_234_000_000).description == "1.234s")
    }
}
