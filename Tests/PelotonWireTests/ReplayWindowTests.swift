import PelotonCore
import PelotonWire
import Testing

@Suite struct ReplayWindowTests {
    /// The window against a model that remembers everything: they must agree on every verdict
    /// for sequences inside the span, over random walks with jumps, repeats and stragglers.
    @Test(arguments: 0..<20 as Range<UInt64>)
    func agreesWithAReferenceModel(seed: UInt64) {
        var random = SeededRandom(seed: seed)
        var window = ReplayWindow()
        var seen = Set<UInt64>()
        var highest: UInt64 = 0
        for _ in 0..<5_000 {
            let sequence: UInt64
            switch Int.random(in: 0..<10, using: &random) {
            case 0: sequence = highest + UInt64.random(in: 1...3_000, using: &random)  // jump ahead
            case 1...3: sequence = highest + 1
            case 4...6: sequence = highest &- min(highest, UInt64.random(in: 0...200, using: &random))
            default: sequence = highest &- min(highest, UInt64.random(in: 0...(ReplayWindow.span + 100), using: &random))
            }
            let verdict = window.verdict(incarnation: 1, sequence: sequence)
            let expected: ReplayWindow.Verdict =
                seen.isEmpty || sequence > highest ? .fresh
                : highest - sequence >= ReplayWindow.span ? .tooOld
                : seen.contains(sequence) ? .replayed : .fresh
            #expect(verdict == expected, "seed \(seed): sequence \(sequence), highest \(highest)")
            if verdict == .fresh {
                window.record(incarnation: 1, sequence: sequence)
                seen.insert(sequence)
                highest = max(highest, sequence)
            }
        }
    }

    @Test func firstEnvelopeOfAnyNumberIsFresh() {
        let window = ReplayWindow()
        #expect(window.verdict(incarnation: 0, sequence: .max) == .fresh)
    }
}
