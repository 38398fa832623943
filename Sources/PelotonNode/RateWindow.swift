/// Counts per second over a sliding window of whole seconds, for the dashboard's request
/// rates: a ring of per-second buckets, so recording and reading cost the same at any rate.
struct RateWindow: Sendable {
    private var buckets: [Int]
    /// The second the newest bucket counts.
    private var newestSecond: Int64 = 0

    init(seconds: Int = 10) {
        precondition(seconds > 0, "a rate window spans at least one second")
        buckets = Array(repeating: 0, count: seconds)
    }

    var seconds: Int { buckets.count }

    mutating func record(_ count: Int = 1, atSecond second: Int64) {
        advance(to: second)
        // A clock that stepped back counts into the newest bucket rather than into the future.
        buckets[bucketIndex(max(second, newestSecond))] += count
    }

    /// The mean per second over the window's whole seconds before `second`; the second under
    /// way is left out, as it has only begun.
    func perSecond(atSecond second: Int64) -> Double {
        var total = 0
        for past in (second - Int64(seconds))..<second where past <= newestSecond && past > newestSecond - Int64(seconds) {
            total += buckets[bucketIndex(past)]
        }
        return Double(total) / Double(seconds)
    }

    private mutating func advance(to second: Int64) {
        guard second > newestSecond else { return }
        // Clear the buckets of the seconds skipped (all of them after a long quiet spell).
        let skipped = min(second - newestSecond, Int64(seconds))
        for offset in 1...skipped { buckets[bucketIndex(newestSecond + offset)] = 0 }
        newestSecond = second
    }

    private func bucketIndex(_ second: Int64) -> Int {
        Int(((second % Int64(seconds)) + Int64(seconds)) % Int64(seconds))
    }
}
