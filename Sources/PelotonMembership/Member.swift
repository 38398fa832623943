import PelotonCore
import PelotonCrypto

/// A member's status. For one incarnation the order is alive < suspect < dead/left; a higher
/// incarnation of alive overrides any of them (that is how a node refutes a suspicion).
public enum MemberStatus: UInt8, Sendable, CustomStringConvertible {
    case alive = 0
    case suspect = 1
    case dead = 2
    case left = 3

    public var description: String {
        switch self {
        case .alive: "alive"
        case .suspect: "suspect"
        case .dead: "dead"
        case .left: "left"
        }
    }

    /// Dead and left members are not probed and do not own anything.
    public var isActive: Bool { self == .alive || self == .suspect }
}

/// One node as this node sees it, with the signed claims that made it so: `claim` is the
/// latest one believed (its alive, a refutation, an accusation, its departure) and
/// `metadataClaim` the subject's latest alive claim with metadata. Push-pull passes both on,
/// so a receiver checks every member's state against the signatures of those with the right
/// to make it.
public struct Member: Hashable, Sendable {
    public let id: NodeID
    public internal(set) var address: NodeAddress
    public internal(set) var status: MemberStatus
    public internal(set) var incarnation: UInt64
    /// When this node last saw the status change (its own clock).
    public internal(set) var statusChangedAt: Instant
    public internal(set) var claim: SignedClaim
    public internal(set) var metadataClaim: SignedClaim

    /// A member first heard of through `metadataClaim`, its alive claim with metadata, which
    /// gave `address`.
    init(metadataClaim: SignedClaim, address: NodeAddress, statusChangedAt: Instant) {
        id = metadataClaim.subject
        incarnation = metadataClaim.incarnation
        self.address = address
        status = .alive
        self.statusChangedAt = statusChangedAt
        claim = metadataClaim
        self.metadataClaim = metadataClaim
    }

    public var metadata: MemberMetadata {
        if case let .alive(_, _, _, metadata?) = metadataClaim.update { return metadata }
        return .empty
    }
}
