import PelotonCrypto
import Testing

struct RandomWordsTests {
    @Test func idsDoNotRepeatAndLookUniform() {
        let draws = 50_000
        var seen = Set<NodeID>()
        var ones = 0
        for _ in 0..<draws {
            let words = secureRandomWords()
            seen.insert(NodeID(high: words.high, low: words.low))
            ones += words.high.nonzeroBitCount + words.low.nonzeroBitCount
        }
        #expect(seen.count == draws)
        // 6.4 million bits: a fair source lands within a tenth of a percent of half.
        let share = Double(ones) / Double(draws * 128)
        #expect(abs(share - 0.5) < 0.001)
    }

    @Test func nodeIDPrintsAndParsesItsHexDigits() {
        let id = NodeID(high: 0x0123_4567_89ab_cdef, low: 0xfedc_ba98_7654_3210)
        #expect(id.description == "0123456789abcdeffedcba9876543210")
        #expect(NodeID(hex: id.description) == id)
        #expect(id.description == hexString(id.bytes))
    }
}
