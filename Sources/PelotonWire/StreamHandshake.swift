import PelotonCrypto

/// The mutual handshake that opens every stream connection (DESIGN.md, Identity and security).
///
///     initiator → responder   hello:  version, certificate, ephemeral X25519 key
///     responder → initiator   reply:  certificate, ephemeral key, signature over the transcript
///     initiator → responder   finish: signature over the transcript
///
/// Each side proves its identity key by signing both ephemeral keys under its own role tag, so
/// neither signature can be replayed into another connection or reflected back. Session keys
/// come from `crypto_kx` on the ephemeral keys; frames are then sealed with XChaCha20-Poly1305.
public enum StreamHandshake {
    public static let version: UInt8 = 1
    /// A handshake message is a certificate, a key and a signature: far below this.
    public static let maxMessageBytes = 1024
    static let domainTag = Array("peloton/stream-handshake/v1".utf8)

    /// What a finished handshake yields: the verified peer and the two frame keys.
    public struct Session: Sendable {
        public let peer: NodeCertificate
        public let keys: SessionKeys
    }

    static func transcript(role: UInt8, initiatorKey: [UInt8], responderKey: [UInt8]) -> [UInt8] {
        domainTag + [role] + initiatorKey + responderKey
    }

    /// Reads a hello (unsigned) or a reply (signed): version, certificate, key[, signature].
    static func parse(_ bytes: [UInt8], signed: Bool) throws(HandshakeError) -> (NodeCertificate, [UInt8], Signature?) {
        guard bytes.count <= maxMessageBytes else { throw .malformed(.tooLarge(size: bytes.count, limit: maxMessageBytes)) }
        do throws(WireError) {
            var reader = WireReader(bytes: bytes)
            let version = try reader.readUInt8("handshake.version")
            guard version == Self.version else { throw WireError.unsupportedVersion(field: "handshake.version", version: version) }
            let certificate = try NodeCertificate(from: &reader)
            let key = try reader.readFixedBytes("handshake.ephemeralKey", count: KeyExchangeKeyPair.publicKeyByteCount)
            let signature = signed ? try reader.readSignature("handshake.signature") : nil
            try reader.expectEnd()
            return (certificate, key, signature)
        } catch {
            throw .malformed(error)
        }
    }

    static func verifiedPeer(_ certificate: NodeCertificate, authority: PublicKey, now: UInt64) throws(HandshakeError) -> NodeCertificate {
        do {
            try certificate.verify(authority: authority, now: now)
        } catch {
            throw .certificateRefused(error)
        }
        return certificate
    }
}

public enum HandshakeError: Error, Equatable, Sendable, CustomStringConvertible {
    case malformed(WireError)
    case certificateRefused(CertificateError)
    case badSignature
    case badEphemeralKey
    case unexpectedPeer(expected: NodeID, actual: NodeID)

    public var description: String {
        switch self {
        case let .malformed(error): "malformed handshake message: \(error)"
        case let .certificateRefused(error): "peer certificate refused: \(error)"
        case .badSignature: "peer did not prove its key: bad handshake signature"
        case .badEphemeralKey: "peer sent an unusable ephemeral key"
        case let .unexpectedPeer(expected, actual): "expected node \(expected.short), found \(actual.short)"
        }
    }

    /// A short label for metrics.
    public var reason: String {
        switch self {
        case .malformed: "handshake_malformed"
        case .certificateRefused: "handshake_certificate"
        case .badSignature, .badEphemeralKey, .unexpectedPeer: "handshake_proof"
        }
    }
}

/// The side that opens the connection.
public struct HandshakeInitiator: Sendable {
    private let identity: NodeIdentity
    private let authority: PublicKey
    private let ephemeral = KeyExchangeKeyPair.generate()
    public let hello: [UInt8]

    public init(identity: NodeIdentity, certificate: NodeCertificate, authority: PublicKey) {
        self.identity = identity
        self.authority = authority
        var writer = WireWriter()
        writer.writeUInt8(StreamHandshake.version)
        certificate.encode(to: &writer)
        writer.writeFixedBytes(ephemeral.publicKey)
        hello = writer.bytes
    }

    /// Checks the responder's reply; returns the finish message to send and the session.
    public func finish(reply: [UInt8], now: UInt64) throws(HandshakeError) -> (finish: [UInt8], session: StreamHandshake.Session) {
        let (certificate, responderKey, signature) = try StreamHandshake.parse(reply, signed: true)
        let peer = try StreamHandshake.verifiedPeer(certificate, authority: authority, now: now)
        let responderTranscript = StreamHandshake.transcript(role: 2, initiatorKey: ephemeral.publicKey, responderKey: responderKey)
        guard let signature, peer.nodeKey.isValidSignature(signature, for: responderTranscript) else { throw .badSignature }
        guard let keys = try? ephemeral.clientSessionKeys(serverPublicKey: responderKey) else { throw .badEphemeralKey }
        let own = identity.signature(for: StreamHandshake.transcript(role: 1, initiatorKey: ephemeral.publicKey, responderKey: responderKey))
        return (own.bytes, StreamHandshake.Session(peer: peer, keys: keys))
    }
}

/// The side that accepts the connection.
public struct HandshakeResponder: Sendable {
    private let identity: NodeIdentity
    private let certificate: NodeCertificate
    private let authority: PublicKey
    private let ephemeral = KeyExchangeKeyPair.generate()
    private var pending: (peer: NodeCertificate, initiatorKey: [UInt8])?

    public init(identity: NodeIdentity, certificate: NodeCertificate, authority: PublicKey) {
        self.identity = identity
        self.certificate = certificate
        self.authority = authority
    }

    /// Checks the initiator's hello and returns the reply to send.
    public mutating func reply(to hello: [UInt8], now: UInt64) throws(HandshakeError) -> [UInt8] {
        let (peerCertificate, initiatorKey, _) = try StreamHandshake.parse(hello, signed: false)
        // The certificate is checked now, so a stranger learns nothing but a refusal.
        let peer = try StreamHandshake.verifiedPeer(peerCertificate, authority: authority, now: now)
        pending = (peer, initiatorKey)
        var writer = WireWriter()
        writer.writeUInt8(StreamHandshake.version)
        certificate.encode(to: &writer)
        writer.writeFixedBytes(ephemeral.publicKey)
        writer.writeSignature(identity.signature(for: StreamHandshake.transcript(role: 2, initiatorKey: initiatorKey, responderKey: ephemeral.publicKey)))
        return writer.bytes
    }

    /// Checks the initiator's proof and returns the session.
    public func complete(finish: [UInt8]) throws(HandshakeError) -> StreamHandshake.Session {
        guard let pending else { throw .malformed(.invalidValue(field: "handshake", reason: "finish before hello")) }
        guard let signature = try? Signature(bytes: finish) else {
            throw .malformed(.invalidValue(field: "handshake.finish", reason: "expected a \(Signature.byteCount)-byte signature"))
        }
        let transcript = StreamHandshake.transcript(role: 1, initiatorKey: pending.initiatorKey, responderKey: ephemeral.publicKey)
        guard pending.peer.nodeKey.isValidSignature(signature, for: transcript) else { throw .badSignature }
        guard let keys = try? ephemeral.serverSessionKeys(clientPublicKey: pending.initiatorKey) else { throw .badEphemeralKey }
        return StreamHandshake.Session(peer: pending.peer, keys: keys)
    }
}
