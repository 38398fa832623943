import PelotonCrypto

/// The authority's statement that a node key is no longer part of the cluster. It travels by
/// gossip from node to node; each checks the authority's signature before acting on it, so no
/// member can revoke another on its own say-so.
///
/// Layout: version, revoked node id (16), issued at (Unix seconds), authority id (16),
/// signature (64) over a domain tag and every field before it.
public struct Revocation: Hashable, Sendable, WireCodable {
    public static let version: UInt8 = 1
    public static let encodedSize = 1 + NodeID.byteCount + 8 + NodeID.byteCount + Signature.byteCount
    static let domainTag = Array("peloton/revocation/v1".utf8)

    public let node: NodeID
    public let issuedAt: UInt64
    public let authorityID: NodeID
    public let signature: Signature

    public func verify(authority: PublicKey) throws(CertificateError) {
        guard authorityID == authority.nodeID else { throw .wrongAuthority }
        guard authority.isValidSignature(signature, for: Self.signedBytes(node, issuedAt, authorityID)) else { throw .badSignature }
    }

    public init(from reader: inout WireReader) throws(WireError) {
        try reader.readVersion(of: "revocation", expected: Self.version)
        node = try reader.readNodeID("revocation.node")
        issuedAt = try reader.readUInt64("revocation.issuedAt")
        authorityID = try reader.readNodeID("revocation.authorityID")
        signature = try reader.readSignature("revocation.signature")
    }

    public func encode(to writer: inout WireWriter) {
        Self.writeBody(to: &writer, node, issuedAt, authorityID)
        writer.writeSignature(signature)
    }

    fileprivate init(node: NodeID, issuedAt: UInt64, authorityID: NodeID, signature: Signature) {
        self.node = node
        self.issuedAt = issuedAt
        self.authorityID = authorityID
        self.signature = signature
    }

    private static func writeBody(to writer: inout WireWriter, _ node: NodeID, _ issuedAt: UInt64, _ authorityID: NodeID) {
        writer.writeUInt8(version)
        writer.writeNodeID(node)
        writer.writeUInt64(issuedAt)
        writer.writeNodeID(authorityID)
    }

    fileprivate static func signedBytes(_ node: NodeID, _ issuedAt: UInt64, _ authorityID: NodeID) -> [UInt8] {
        var writer = WireWriter()
        writer.writeFixedBytes(domainTag)
        writeBody(to: &writer, node, issuedAt, authorityID)
        return writer.bytes
    }
}

extension Authority {
    /// Revokes the node with id `node` as of Unix time `issuedAt`.
    public func revoke(_ node: NodeID, issuedAt: UInt64) -> Revocation {
        let authorityID = publicKey.nodeID
        let signature = signature(for: Revocation.signedBytes(node, issuedAt, authorityID))
        return Revocation(node: node, issuedAt: issuedAt, authorityID: authorityID, signature: signature)
    }
}
