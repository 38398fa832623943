import PelotonCrypto
import PelotonWire

// Encoded sizes computed without encoding: packing piggybacked updates into a datagram and
// counting simulated traffic need the size of every message, and must not allocate for it.
// `EncodedSizeTests` checks each one against the real encoding.

extension NodeAddress {
    public var encodedSize: Int { WireWriter.stringSize(host) + 2 }
}

extension MemberMetadata {
    public var encodedSize: Int {
        var size = WireWriter.stringSize(httpAddress ?? "") + WireWriter.varUIntSize(UInt64(services.count))
        for service in services { size += WireWriter.stringSize(service.name) + WireWriter.stringSize(service.version) + 1 }
        size += WireWriter.varUIntSize(UInt64(tags.count))
        for (key, value) in tags { size += WireWriter.stringSize(key) + WireWriter.stringSize(value) }
        size += WireWriter.varUIntSize(UInt64(credential.count)) + credential.count
        return size
    }
}

extension MembershipUpdate {
    public var encodedSize: Int {
        let header = 1 + NodeID.byteCount + WireWriter.varUIntSize(incarnation)
        switch self {
        case let .alive(_, _, address, metadata): return header + address.encodedSize + 1 + (metadata?.encodedSize ?? 0)
        case .suspect, .dead: return header + NodeID.byteCount
        case .left: return header
        }
    }
}

extension MemberState {
    public var encodedSize: Int {
        metadataClaim.encodedSize + 1 + (statusClaim?.encodedSize ?? 0)
    }
}

extension MembershipMessage {
    public var encodedSize: Int {
        func updatesSize(_ updates: [SignedClaim]) -> Int {
            updates.reduce(WireWriter.varUIntSize(UInt64(updates.count))) { $0 + $1.encodedSize }
        }
        switch self {
        case let .ping(_, _, updates): return 2 + 4 + NodeID.byteCount + updatesSize(updates)
        case let .ack(_, updates), let .nack(_, updates): return 2 + 4 + updatesSize(updates)
        case let .pingRequest(_, _, address, updates): return 2 + 4 + NodeID.byteCount + address.encodedSize + updatesSize(updates)
        case let .gossip(updates): return 2 + updatesSize(updates)
        case let .pushPull(_, _, members):
            return 2 + 2 + members.reduce(WireWriter.varUIntSize(UInt64(members.count))) { $0 + $1.encodedSize }
        }
    }
}
