import PelotonEvents
import PelotonMembership
import PelotonServices
import PelotonWire

/// What a signed datagram or a sealed stream frame carries: membership traffic, the
/// authority's revocations being passed along, gossiped events, or (on streams only) calls and
/// their replies.
enum NodePayload: Equatable, Sendable, WireCodable {
    case membership(MembershipMessage)
    case revocations([Revocation])
    case call(CallRequest)
    case callReply(CallReply)
    case events(EventMessage)

    static let maxRevocations = 4096
    /// Revocations per datagram: each is 121 bytes, and a datagram carries about 1,290.
    static let revocationsPerDatagram = 8

    private enum Kind: UInt8 {
        case membership = 1, revocations, call, callReply, events
    }

    init(from reader: inout WireReader) throws(WireError) {
        let raw = try reader.readUInt8("payload.kind")
        switch Kind(rawValue: raw) {
        case .membership: self = .membership(try MembershipMessage(from: &reader))
        case .revocations:
            self = .revocations(try reader.readArray("payload.revocations", limit: Self.maxRevocations) { reader throws(WireError) in
                try Revocation(from: &reader)
            })
        case .call: self = .call(try CallRequest(from: &reader))
        case .callReply: self = .callReply(try CallReply(from: &reader))
        case .events: self = .events(try EventMessage(from: &reader))
        case nil: throw .unknownTag(field: "payload.kind", tag: raw)
        }
    }

    func encode(to writer: inout WireWriter) {
        switch self {
        case let .membership(message):
            writer.writeUInt8(Kind.membership.rawValue)
            message.encode(to: &writer)
        case let .revocations(revocations):
            writer.writeUInt8(Kind.revocations.rawValue)
            writer.writeArray(revocations) { writer, revocation in revocation.encode(to: &writer) }
        case let .call(request):
            writer.writeUInt8(Kind.call.rawValue)
            request.encode(to: &writer)
        case let .callReply(reply):
            writer.writeUInt8(Kind.callReply.rawValue)
            reply.encode(to: &writer)
        case let .events(message):
            writer.writeUInt8(Kind.events.rawValue)
            message.encode(to: &writer)
        }
    }
}
