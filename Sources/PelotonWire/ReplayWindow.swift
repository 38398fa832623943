/// Anti-replay for one sender, in the style of IPsec (RFC 6479): remembers which of the last
/// `span` sequence numbers were seen, in a ring of 64-bit words that advances in O(1) amortised.
///
/// Envelopes are ordered by (incarnation, sequence): a sender that restarts with a higher
/// incarnation starts a fresh window; anything from a lower incarnation is stale.
public struct ReplayWindow: Sendable, Equatable {
    static let wordCount = 16
    /// How far behind the newest sequence number an envelope may be and still be accepted.
    /// One word of the ring is kept as slack so advancing never clears a bit still in the span.
    public static let span: UInt64 = UInt64((wordCount - 1) * 64)

    public enum Verdict: Equatable, Sendable {
        case fresh
        case replayed
        case tooOld
        case staleIncarnation
    }

    public private(set) var incarnation: UInt64 = 0
    public private(set) var highest: UInt64 = 0
    private var started = false
    private var words = [UInt64](repeating: 0, count: wordCount)

    public init() {}

    /// Would this envelope be accepted? Pure, so it can run before the (costly) signature check.
    public func verdict(incarnation: UInt64, sequence: UInt64) -> Verdict {
        guard started, incarnation == self.incarnation else {
            return !started || incarnation > self.incarnation ? .fresh : .staleIncarnation
        }
        if sequence > highest { return .fresh }
        if highest - sequence >= Self.span { return .tooOld }
        return isSet(sequence) ? .replayed : .fresh
    }

    /// Marks an envelope as seen; call only after its signature checked out and only when
    /// `verdict` said `.fresh`.
    public mutating func record(incarnation: UInt64, sequence: UInt64) {
        if !started || incarnation > self.incarnation {
            started = true
            self.incarnation = incarnation
            highest = sequence
            for index in words.indices { words[index] = 0 }
        } else if sequence > highest {
            let oldWord = highest >> 6
            let newWord = sequence >> 6
            let wordsToClear = min(newWord - oldWord, UInt64(Self.wordCount))
            var step: UInt64 = 1
            while step <= wordsToClear {
                words[Int((oldWord + step) % UInt64(Self.wordCount))] = 0
                step += 1
            }
            highest = sequence
        }
        words[Self.wordIndex(sequence)] |= 1 << (sequence & 63)
    }

    private func isSet(_ sequence: UInt64) -> Bool {
        words[Self.wordIndex(sequence)] & (1 << (sequence & 63)) != 0
    }

    private static func wordIndex(_ sequence: UInt64) -> Int {
        Int((sequence >> 6) % UInt64(wordCount))
    }
}
