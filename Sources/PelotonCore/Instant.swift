/// A point in time as nanoseconds since an arbitrary origin: the simulator's virtual clock or
/// the runtime's monotonic clock. Protocol code only ever receives instants, never reads a clock.
public struct Instant: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let nanoseconds: Int64

    public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }

    public static let zero = Instant(nanoseconds: 0)

    public static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.nanoseconds < rhs.nanoseconds }

    public static func + (lhs: Instant, rhs: Duration) -> Instant {
        Instant(nanoseconds: lhs.nanoseconds &+ rhs.nanosecondsClamped)
    }

    public static func - (lhs: Instant, rhs: Instant) -> Duration {
        .nanoseconds(lhs.nanoseconds &- rhs.nanoseconds)
    }

    public var seconds: Double { Double(nanoseconds) / 1e9 }

    public var description: String { String(format3(seconds)) + "s" }
}

extension Duration {
    /// Whole nanoseconds, clamped to Int64 (about 292 years), which every protocol timer fits in.
    public var nanosecondsClamped: Int64 {
        let (seconds, attoseconds) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? .min : .max }
        return scaled &+ attoseconds / 1_000_000_000
    }

    public var secondsDouble: Double { Double(nanosecondsClamped) / 1e9 }

    /// `self` scaled by a real factor, for health multipliers and jitter.
    public func scaled(by factor: Double) -> Duration {
        .nanoseconds(Int64((Double(nanosecondsClamped) * factor).rounded()))
    }
}

/// Three decimals without Foundation.
func format3(_ value: Double) -> String {
    let thousandths = Int64((value * 1000).rounded())
    let sign = thousandths < 0 ? "-" : ""
    let magnitude = thousandths.magnitude
    let fraction = String(magnitude % 1000)
    return "\(sign)\(magnitude / 1000).\(String(repeating: "0", count: 3 - fraction.count))\(fraction)"
}
