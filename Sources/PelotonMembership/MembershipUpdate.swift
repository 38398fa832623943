import PelotonCrypto
import PelotonWire

/// A change in one member's state, as it is gossiped. `from` names who suspects or declares,
/// so Lifeguard can count independent confirmations of a suspicion.
///
/// An alive update whose `metadata` is nil says "same metadata as before": a refutation only
/// raises the incarnation, and sending the member's metadata (with its certificate, ~150 bytes)
/// again on every refutation would dominate gossip traffic under loss. A node that does not
/// know the member yet ignores such an update; it learns the member whole from a full alive
/// update or a push-pull.
public enum MembershipUpdate: Hashable, Sendable {
    case alive(id: NodeID, incarnation: UInt64, address: NodeAddress, metadata: MemberMetadata?)
    case suspect(id: NodeID, incarnation: UInt64, from: NodeID)
    case dead(id: NodeID, incarnation: UInt64, from: NodeID)
    case left(id: NodeID, incarnation: UInt64)

    /// The highest incarnation a decoder accepts: far above any a node reaches, far below overflow.
    public static let maxIncarnation: UInt64 = 1 << 48

    public var subject: NodeID {
        switch self {
        case let .alive(id, _, _, _), let .suspect(id, _, _), let .dead(id, _, _), let .left(id, _): id
        }
    }

    public var incarnation: UInt64 {
        switch self {
        case let .alive(_, incarnation, _, _), let .suspect(_, incarnation, _), let .dead(_, incarnation, _), let .left(_, incarnation): incarnation
        }
    }
}

extension MembershipUpdate: WireCodable {
    private enum Tag: UInt8 {
        case alive = 1, suspect, dead, left
    }

    public init(from reader: inout WireReader) throws(WireError) {
        let rawTag = try reader.readUInt8("update.tag")
        guard let tag = Tag(rawValue: rawTag) else { throw .unknownTag(field: "update", tag: rawTag) }
        let id = try reader.readNodeID("update.id")
        let incarnation = try reader.readVarUInt("update.incarnation")
        // Real incarnations grow by one per refutation; one near the top could only be meant
        // to overflow a refutation or to outbid every future one.
        guard incarnation <= Self.maxIncarnation else { throw .invalidValue(field: "update.incarnation", reason: "above \(Self.maxIncarnation)") }
        switch tag {
        case .alive:
            let address = try NodeAddress(from: &reader)
            let metadata = try reader.readBool("update.hasMetadata") ? try MemberMetadata(from: &reader) : nil
            self = .alive(id: id, incarnation: incarnation, address: address, metadata: metadata)
        case .suspect:
            self = .suspect(id: id, incarnation: incarnation, from: try reader.readNodeID("update.from"))
        case .dead:
            self = .dead(id: id, incarnation: incarnation, from: try reader.readNodeID("update.from"))
        case .left:
            self = .left(id: id, incarnation: incarnation)
        }
    }

    public func encode(to writer: inout WireWriter) {
        switch self {
        case let .alive(id, incarnation, address, metadata):
            writeHeader(.alive, id, incarnation, to: &writer)
            address.encode(to: &writer)
            writer.writeBool(metadata != nil)
            metadata?.encode(to: &writer)
        case let .suspect(id, incarnation, from):
            writeHeader(.suspect, id, incarnation, to: &writer)
            writer.writeNodeID(from)
        case let .dead(id, incarnation, from):
            writeHeader(.dead, id, incarnation, to: &writer)
            writer.writeNodeID(from)
        case let .left(id, incarnation):
            writeHeader(.left, id, incarnation, to: &writer)
        }
    }

    private func writeHeader(_ tag: Tag, _ id: NodeID, _ incarnation: UInt64, to writer: inout WireWriter) {
        writer.writeUInt8(tag.rawValue)
        writer.writeNodeID(id)
        writer.writeVarUInt(incarnation)
    }
}
