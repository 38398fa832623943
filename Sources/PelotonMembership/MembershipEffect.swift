import PelotonCrypto

/// What the membership state machine asks its shell to do.
public enum MembershipEffect: Sendable, Equatable {
    /// Send a message; `isStreamShaped` messages go over a stream, the rest as datagrams.
    case send(MembershipMessage, to: NodeAddress)
    /// Something happened that the node's users care about.
    case event(MembershipEvent)
    /// A claim was not believed: the shell counts it by reason and may log who signed it.
    case rejectedClaim(SignedClaim, ClaimRejection)
}

/// A member changed state in this node's view.
public struct MembershipEvent: Sendable, Equatable {
    public let member: NodeID
    public let status: MemberStatus
    public let incarnation: UInt64
    /// True the first time this node hears of the member.
    public let isNew: Bool
}
