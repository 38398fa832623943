import PelotonCore
import PelotonCrypto
import PelotonMembership

/// One node of the simulation: its identity and address (which survive a crash, as a data
/// directory would), its running state machine, and its clock.
struct SimulatedNode {
    let identity: NodeIdentity
    let id: NodeID
    let address: NodeAddress
    /// What it announces, as a real node does: its HTTP address, its service, and its
    /// certificate from the simulation's authority, so updates about it are of real size.
    let metadata: MemberMetadata
    /// nil while crashed or stopped.
    var membership: Membership?
    /// Local clock = offset + virtual time × rate: drift without breaking determinism.
    let clockRate: Double
    let clockOffset: Double
    var wakeGeneration: UInt64 = 0
    var scheduledWake: Int64?
    var lastWake: Int64 = -1
    var repeatedWakes = 0
    /// Counts starts: what a node held in memory belongs to one life.
    var life = 0
    var isolated = false
    var group = 0
    /// Frozen (`pause`): what reaches it waits in `deferred` until it resumes.
    var paused = false
    var deferred: [Event.Kind] = []

    var isRunning: Bool { membership != nil }

    func localTime(_ virtual: Int64) -> Instant {
        Instant(nanoseconds: Int64(clockOffset + Double(virtual) * clockRate))
    }

    func virtualTime(_ local: Instant) -> Int64 {
        Int64(((Double(local.nanoseconds) - clockOffset) / clockRate).rounded(.up))
    }
}

/// A deterministic 64-bit FNV-1a digest of everything that happened, to prove a seed replays.
struct TraceHash {
    private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    mutating func mix(_ word: UInt64) {
        var rest = word
        for _ in 0..<8 {
            value ^= rest & 0xff
            value = value &* 0x100_0000_01b3
            rest >>= 8
        }
    }
}
