import PelotonCrypto

/// A gossip datagram: who sent it, in which incarnation, its per-sender sequence number, the
/// payload, and the sender's Ed25519 signature over a domain tag and all of that.
///
/// Layout: version (1), sender id (16), incarnation (varint), sequence (8), payload (varint
/// length + bytes), signature (64).
public struct SignedEnvelope: Equatable, Sendable {
    public static let version: UInt8 = 1
    public static let defaultMaxDatagramSize = 1400
    static let domainTag = Array("peloton/envelope/v1".utf8)

    public let sender: NodeID
    public let incarnation: UInt64
    public let sequence: UInt64
    public let payload: [UInt8]
    public let signature: Signature

    /// Bytes an envelope adds around its payload, at most (varints at their largest).
    public static let maxOverhead = 1 + NodeID.byteCount + 10 + 8 + 10 + Signature.byteCount

    /// Signs and encodes `payload`; fails when the result would not fit in `maxSize` bytes.
    public static func seal(
        payload: [UInt8], incarnation: UInt64, sequence: UInt64, identity: NodeIdentity,
        maxSize: Int = defaultMaxDatagramSize
    ) throws(WireError) -> [UInt8] {
        var writer = WireWriter(capacity: payload.count + maxOverhead + domainTag.count)
        writer.writeFixedBytes(domainTag)
        writeBody(to: &writer, sender: identity.nodeID, incarnation: incarnation, sequence: sequence, payload: payload)
        let signature = writer.buffer.withUnsafeReadableBytes { identity.signature(for: $0) }
        writer.writeSignature(signature)
        let datagram = Array(writer.buffer.readableBytesView.dropFirst(domainTag.count))
        guard datagram.count <= maxSize else { throw .tooLarge(size: datagram.count, limit: maxSize) }
        return datagram
    }

    /// Parses the structure only; the signature is checked by `hasValidSignature(from:)`.
    public static func decode(_ datagram: [UInt8], maxSize: Int = defaultMaxDatagramSize) throws(WireError) -> SignedEnvelope {
        guard datagram.count <= maxSize else { throw .tooLarge(size: datagram.count, limit: maxSize) }
        var reader = WireReader(bytes: datagram)
        try reader.readVersion(of: "envelope", expected: Self.version)
        let sender = try reader.readNodeID("envelope.sender")
        let incarnation = try reader.readVarUInt("envelope.incarnation")
        let sequence = try reader.readUInt64("envelope.sequence")
        let payload = try reader.readBytes("envelope.payload", limit: maxSize)
        let signature = try reader.readSignature("envelope.signature")
        try reader.expectEnd()
        return SignedEnvelope(sender: sender, incarnation: incarnation, sequence: sequence, payload: payload, signature: signature)
    }

    /// True when `key` is the sender's key and it signed exactly these fields.
    public func hasValidSignature(from key: PublicKey) -> Bool {
        guard key.nodeID == sender else { return false }
        var writer = WireWriter(capacity: payload.count + Self.maxOverhead + Self.domainTag.count)
        writer.writeFixedBytes(Self.domainTag)
        Self.writeBody(to: &writer, sender: sender, incarnation: incarnation, sequence: sequence, payload: payload)
        return writer.buffer.withUnsafeReadableBytes { key.isValidSignature(signature, for: $0) }
    }

    private static func writeBody(to writer: inout WireWriter, sender: NodeID, incarnation: UInt64, sequence: UInt64, payload: [UInt8]) {
        writer.writeUInt8(version)
        writer.writeNodeID(sender)
        writer.writeVarUInt(incarnation)
        writer.writeUInt64(sequence)
        writer.writeBytes(payload)
    }
}
