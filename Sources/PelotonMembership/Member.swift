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

/// One node as this node sees it. Field order keeps the record at 64 bytes: `status` fills
/// the padding after the address.
public struct Member: Hashable, Sendable {
    public let id: NodeID
    public internal(set) var address: NodeAddress
    public internal(set) var status: MemberStatus
    public internal(set) var incarnation: UInt64
    /// When this node last saw the status change (its own clock).
    public internal(set) var statusChangedAt: Instant
    public internal(set) var metadata: MemberMetadata

    init(id: NodeID, address: NodeAddress, incarnation: UInt64, status: MemberStatus, metadata: MemberMetadata, statusChangedAt: Instant) {
        self.id = id
        self.address = address
        self.status = status
        self.incarnation = incarnation
        self.statusChangedAt = statusChangedAt
        self.metadata = metadata
    }
}
