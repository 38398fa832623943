import Foundation
import PelotonCore
import PelotonCrypto

/// Lifeguard's dynamic suspicion timeout: it starts at `maximum` and shrinks toward `minimum`
/// as independent members confirm the suspicion (log-scaled, as in memberlist), so a real
/// failure is declared fast while a lone, possibly unhealthy accuser cannot declare quickly.
struct Suspicion: Sendable {
    let incarnation: UInt64
    let start: Instant
    let minimum: Duration
    let maximum: Duration
    /// Confirmations after which the timeout reaches its minimum.
    let expectedConfirmations: Int
    private(set) var confirmers: Set<NodeID>
    private(set) var deadline: Instant

    init(incarnation: UInt64, accuser: NodeID, start: Instant, minimum: Duration, maximum: Duration, expectedConfirmations: Int) {
        self.incarnation = incarnation
        self.start = start
        self.minimum = minimum
        self.maximum = maximum
        self.expectedConfirmations = expectedConfirmations
        confirmers = [accuser]
        deadline = start
        deadline = start + timeout
    }

    var confirmations: Int { confirmers.count - 1 }

    var timeout: Duration {
        guard expectedConfirmations > 0 else { return minimum }
        let fraction = log(Double(confirmations) + 1) / log(Double(expectedConfirmations) + 1)
        let shrunk = maximum.secondsDouble - (maximum.secondsDouble - minimum.secondsDouble) * fraction
        return .nanoseconds(Int64(max(minimum.secondsDouble, shrunk) * 1e9))
    }

    /// Whether `accuser` would be a new confirmation (checked before its signature is).
    func wouldCount(_ accuser: NodeID) -> Bool {
        confirmers.count <= expectedConfirmations && !confirmers.contains(accuser)
    }

    /// Records an accuser; true when it is a new one (the caller then re-gossips the suspicion).
    mutating func confirm(by accuser: NodeID) -> Bool {
        guard confirmers.count <= expectedConfirmations, confirmers.insert(accuser).inserted else { return false }
        deadline = start + timeout
        return true
    }

    /// The minimum timeout for a mesh of `nodes`: multiplier × max(1, log10(nodes)) × interval.
    static func minimumTimeout(multiplier: Int, nodes: Int, probeInterval: Duration) -> Duration {
        let scale = max(1, log10(Double(max(1, nodes))))
        return probeInterval.scaled(by: Double(multiplier) * scale)
    }
}
