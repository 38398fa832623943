import PelotonCrypto
import PelotonWire

/// What one member's full state looks like in a push-pull exchange: the claims that made it,
/// each still carrying its maker's signature.
public struct MemberState: Hashable, Sendable {
    /// The member's latest alive claim with metadata, signed by the member.
    public let metadataClaim: SignedClaim
    /// The claim that set the current status and incarnation (a refutation, an accusation, a
    /// departure), when that is not `metadataClaim`.
    public let statusClaim: SignedClaim?

    /// Nil unless `metadataClaim` is an alive claim with metadata and `statusClaim` is about
    /// the same member at no lower an incarnation.
    public init?(metadataClaim: SignedClaim, statusClaim: SignedClaim?) {
        guard case let .alive(_, _, announced, .some) = metadataClaim.update else { return nil }
        if let statusClaim {
            guard statusClaim.subject == metadataClaim.subject, statusClaim.incarnation >= metadataClaim.incarnation,
                  statusClaim != metadataClaim else { return nil }
        }
        self.metadataClaim = metadataClaim
        self.statusClaim = statusClaim
        if case let .alive(_, _, refuted, nil)? = statusClaim?.update { address = refuted } else { address = announced }
    }

    /// A state this node vouches for itself: its own, or a member's from claims it checked.
    init(trusted metadataClaim: SignedClaim, statusClaim: SignedClaim, address: NodeAddress) {
        self.metadataClaim = metadataClaim
        self.statusClaim = statusClaim === metadataClaim ? nil : statusClaim
        self.address = address
    }

    public var id: NodeID { metadataClaim.subject }
    public var incarnation: UInt64 { (statusClaim ?? metadataClaim).incarnation }

    public var status: MemberStatus {
        switch statusClaim?.update {
        case nil, .alive: .alive
        case .suspect: .suspect
        case .dead: .dead
        case .left: .left
        }
    }

    /// Where the member was last announced (a refutation may give a newer address).
    public let address: NodeAddress

    public var metadata: MemberMetadata {
        if case let .alive(_, _, _, metadata?) = metadataClaim.update { return metadata }
        return .empty
    }
}

/// The membership protocol's messages. Every datagram-shaped message carries piggybacked
/// updates; push-pull carries a full state and travels over a stream.
public enum MembershipMessage: Hashable, Sendable {
    /// Are you alive? `target` guards against a new node answering at an old node's address.
    case ping(sequence: UInt32, target: NodeID, updates: [SignedClaim])
    case ack(sequence: UInt32, updates: [SignedClaim])
    /// Lifeguard: the relay asked to probe could not reach the target in time.
    case nack(sequence: UInt32, updates: [SignedClaim])
    /// Please probe `target` for me and forward its ack under my sequence number.
    case pingRequest(sequence: UInt32, target: NodeID, targetAddress: NodeAddress, updates: [SignedClaim])
    /// Updates alone, sent on the gossip tick.
    case gossip(updates: [SignedClaim])
    /// Full-state anti-entropy; `isJoin` marks a new node's first exchange.
    case pushPull(isReply: Bool, isJoin: Bool, members: [MemberState])

    /// 2: updates are signed claims (1 carried bare updates, believed from any relayer).
    public static let version: UInt8 = 2
    /// Updates in one datagram, at most; the byte budget usually binds first.
    static let maxUpdatesPerMessage = 256
    /// Members in one push-pull; above the 10,000 nodes the simulator runs.
    public static let maxPushPullMembers = 100_000

    /// Push-pull is stream-shaped (large, must arrive whole); the rest are datagrams.
    public var isStreamShaped: Bool {
        if case .pushPull = self { return true }
        return false
    }

    public var updates: [SignedClaim] {
        switch self {
        case let .ping(_, _, updates), let .ack(_, updates), let .nack(_, updates),
             let .pingRequest(_, _, _, updates), let .gossip(updates):
            updates
        case .pushPull:
            []
        }
    }
}

extension MemberState: WireCodable {
    public init(from reader: inout WireReader) throws(WireError) {
        let metadataClaim = try SignedClaim(from: &reader)
        let statusClaim = try reader.readBool("member.hasStatusClaim") ? try SignedClaim(from: &reader) : nil
        guard let state = MemberState(metadataClaim: metadataClaim, statusClaim: statusClaim) else {
            throw .invalidValue(field: "member", reason: "claims that do not make one member's state")
        }
        self = state
    }

    public func encode(to writer: inout WireWriter) {
        metadataClaim.encode(to: &writer)
        writer.writeBool(statusClaim != nil)
        statusClaim?.encode(to: &writer)
    }
}

extension MembershipMessage: WireCodable {
    private enum Tag: UInt8 {
        case ping = 1, ack, nack, pingRequest, gossip, pushPull
    }

    public init(from reader: inout WireReader) throws(WireError) {
        try reader.readVersion(of: "membership", expected: Self.version)
        let rawTag = try reader.readUInt8("membership.tag")
        guard let tag = Tag(rawValue: rawTag) else { throw .unknownTag(field: "membership", tag: rawTag) }
        switch tag {
        case .ping:
            let sequence = try reader.readUInt32("ping.sequence")
            let target = try reader.readNodeID("ping.target")
            self = .ping(sequence: sequence, target: target, updates: try Self.readUpdates(&reader))
        case .ack:
            let sequence = try reader.readUInt32("ack.sequence")
            self = .ack(sequence: sequence, updates: try Self.readUpdates(&reader))
        case .nack:
            let sequence = try reader.readUInt32("nack.sequence")
            self = .nack(sequence: sequence, updates: try Self.readUpdates(&reader))
        case .pingRequest:
            let sequence = try reader.readUInt32("pingRequest.sequence")
            let target = try reader.readNodeID("pingRequest.target")
            let address = try NodeAddress(from: &reader)
            self = .pingRequest(sequence: sequence, target: target, targetAddress: address, updates: try Self.readUpdates(&reader))
        case .gossip:
            self = .gossip(updates: try Self.readUpdates(&reader))
        case .pushPull:
            let isReply = try reader.readBool("pushPull.isReply")
            let isJoin = try reader.readBool("pushPull.isJoin")
            let members = try reader.readArray("pushPull.members", limit: Self.maxPushPullMembers) { reader throws(WireError) in
                try MemberState(from: &reader)
            }
            self = .pushPull(isReply: isReply, isJoin: isJoin, members: members)
        }
    }

    private static func readUpdates(_ reader: inout WireReader) throws(WireError) -> [SignedClaim] {
        try reader.readArray("updates", limit: maxUpdatesPerMessage) { reader throws(WireError) in try SignedClaim(from: &reader) }
    }

    public func encode(to writer: inout WireWriter) {
        writer.writeUInt8(Self.version)
        switch self {
        case let .ping(sequence, target, updates):
            writer.writeUInt8(Tag.ping.rawValue)
            writer.writeUInt32(sequence)
            writer.writeNodeID(target)
            Self.writeUpdates(updates, to: &writer)
        case let .ack(sequence, updates):
            writer.writeUInt8(Tag.ack.rawValue)
            writer.writeUInt32(sequence)
            Self.writeUpdates(updates, to: &writer)
        case let .nack(sequence, updates):
            writer.writeUInt8(Tag.nack.rawValue)
            writer.writeUInt32(sequence)
            Self.writeUpdates(updates, to: &writer)
        case let .pingRequest(sequence, target, address, updates):
            writer.writeUInt8(Tag.pingRequest.rawValue)
            writer.writeUInt32(sequence)
            writer.writeNodeID(target)
            address.encode(to: &writer)
            Self.writeUpdates(updates, to: &writer)
        case let .gossip(updates):
            writer.writeUInt8(Tag.gossip.rawValue)
            Self.writeUpdates(updates, to: &writer)
        case let .pushPull(isReply, isJoin, members):
            writer.writeUInt8(Tag.pushPull.rawValue)
            writer.writeBool(isReply)
            writer.writeBool(isJoin)
            writer.writeArray(members) { writer, member in member.encode(to: &writer) }
        }
    }

    private static func writeUpdates(_ updates: [SignedClaim], to writer: inout WireWriter) {
        writer.writeArray(updates) { writer, update in update.encode(to: &writer) }
    }

    /// Bytes of the message without piggybacked updates, at most (the largest header is a
    /// ping request: version, tag, sequence, target, address of the longest host).
    static let maxHeaderBytes = 2 + 4 + NodeID.byteCount + (2 + NodeAddress.maxHostBytes + 2) + 2
}
