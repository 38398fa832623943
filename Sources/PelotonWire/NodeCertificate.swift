import PelotonCrypto

/// The authority's statement that a node key belongs to the cluster, under a name, until a time.
///
/// Layout: version, node key (32), name, expiry (Unix seconds), authority id (16), signature (64).
/// The signature covers a domain tag and every field before it, so a certificate signature can
/// never be passed off as any other signature made with the authority key.
public struct NodeCertificate: Equatable, Sendable, WireCodable {
    public static let version: UInt8 = 1
    public static let maxNameBytes = 64
    static let domainTag = Array("peloton/certificate/v1".utf8)

    public let nodeKey: PublicKey
    public let name: String
    public let notAfter: UInt64
    public let authorityID: NodeID
    public let signature: Signature

    public var nodeID: NodeID { nodeKey.nodeID }

    /// Checks the certificate against the cluster's authority key at Unix time `now` (seconds).
    public func verify(
        authority: PublicKey, now: UInt64, check: some SignatureCheck = Ed25519SignatureCheck()
    ) throws(CertificateError) {
        guard authorityID == authority.nodeID else { throw .wrongAuthority }
        guard check.isValid(signature, by: authority, over: Self.signedBytes(nodeKey, name, notAfter, authorityID)) else {
            throw .badSignature
        }
        guard now <= notAfter else { throw .expired(notAfter: notAfter, now: now) }
    }

    /// Names are what operators type and what tables show: 1 to 64 of `A-Z a-z 0-9 . _ -`.
    public static func validateName(_ name: String) throws(WireError) {
        let bytes = Array(name.utf8)
        guard (1...maxNameBytes).contains(bytes.count) else {
            throw .invalidValue(field: "certificate.name", reason: "must be 1 to \(maxNameBytes) bytes, got \(bytes.count)")
        }
        let allowed: (UInt8) -> Bool = { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: ".")
                || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
        }
        guard bytes.allSatisfy(allowed) else {
            throw .invalidValue(field: "certificate.name", reason: "only letters, digits, '.', '_' and '-' are allowed in \"\(name)\"")
        }
    }

    init(nodeKey: PublicKey, name: String, notAfter: UInt64, authorityID: NodeID, signature: Signature) {
        self.nodeKey = nodeKey
        self.name = name
        self.notAfter = notAfter
        self.authorityID = authorityID
        self.signature = signature
    }

    public init(from reader: inout WireReader) throws(WireError) {
        try reader.readVersion(of: "certificate", expected: Self.version)
        nodeKey = try reader.readPublicKey("certificate.nodeKey")
        name = try reader.readString("certificate.name", limit: Self.maxNameBytes)
        try Self.validateName(name)
        notAfter = try reader.readUInt64("certificate.notAfter")
        authorityID = try reader.readNodeID("certificate.authorityID")
        signature = try reader.readSignature("certificate.signature")
    }

    public func encode(to writer: inout WireWriter) {
        Self.writeBody(to: &writer, nodeKey, name, notAfter, authorityID)
        writer.writeSignature(signature)
    }

    private static func writeBody(to writer: inout WireWriter, _ nodeKey: PublicKey, _ name: String, _ notAfter: UInt64, _ authorityID: NodeID) {
        writer.writeUInt8(version)
        writer.writePublicKey(nodeKey)
        writer.writeString(name)
        writer.writeUInt64(notAfter)
        writer.writeNodeID(authorityID)
    }

    static func signedBytes(_ nodeKey: PublicKey, _ name: String, _ notAfter: UInt64, _ authorityID: NodeID) -> [UInt8] {
        var writer = WireWriter()
        writer.writeFixedBytes(domainTag)
        writeBody(to: &writer, nodeKey, name, notAfter, authorityID)
        return writer.bytes
    }
}

public enum CertificateError: Error, Equatable, Sendable, CustomStringConvertible {
    case wrongAuthority
    case badSignature
    case expired(notAfter: UInt64, now: UInt64)

    public var description: String {
        switch self {
        case .wrongAuthority: "certificate was issued by another authority"
        case .badSignature: "certificate signature is invalid (tampered or forged)"
        case let .expired(notAfter, now): "certificate expired at \(notAfter), now is \(now) (Unix seconds)"
        }
    }
}

extension Authority {
    /// Issues a certificate for `nodeKey` named `name`, valid until Unix time `notAfter`.
    public func issueCertificate(for nodeKey: PublicKey, name: String, notAfter: UInt64) throws(WireError) -> NodeCertificate {
        try NodeCertificate.validateName(name)
        let authorityID = publicKey.nodeID
        let signature = signature(for: NodeCertificate.signedBytes(nodeKey, name, notAfter, authorityID))
        return NodeCertificate(nodeKey: nodeKey, name: name, notAfter: notAfter, authorityID: authorityID, signature: signature)
    }
}
