import CSodium

/// An ephemeral X25519 key pair for `crypto_kx`: one per stream connection, signed by the
/// node identity during the handshake so the peer knows who it is talking to.
public struct KeyExchangeKeyPair: Sendable {
    public static let publicKeyByteCount = Int(crypto_kx_PUBLICKEYBYTES)
    public let publicKey: [UInt8]
    private let secretKey: SecretBytes

    public static func generate() -> KeyExchangeKeyPair {
        Sodium.ensureInitialized()
        var publicKey = [UInt8](repeating: 0, count: publicKeyByteCount)
        let secretKey = SecretBytes(count: Int(crypto_kx_SECRETKEYBYTES)) { secret in
            _ = crypto_kx_keypair(&publicKey, secret)
        }
        return KeyExchangeKeyPair(publicKey: publicKey, secretKey: secretKey)
    }

    private init(publicKey: [UInt8], secretKey: SecretBytes) {
        self.publicKey = publicKey
        self.secretKey = secretKey
    }

    /// Session keys for the side that opened the connection.
    public func clientSessionKeys(serverPublicKey: [UInt8]) throws -> SessionKeys {
        try sessionKeys(peerPublicKey: serverPublicKey, derive: crypto_kx_client_session_keys)
    }

    /// Session keys for the side that accepted the connection.
    public func serverSessionKeys(clientPublicKey: [UInt8]) throws -> SessionKeys {
        try sessionKeys(peerPublicKey: clientPublicKey, derive: crypto_kx_server_session_keys)
    }

    private typealias Derivation = (
        UnsafeMutablePointer<UInt8>, UnsafeMutablePointer<UInt8>,
        UnsafePointer<UInt8>, UnsafePointer<UInt8>, UnsafePointer<UInt8>
    ) -> Int32

    private func sessionKeys(peerPublicKey: [UInt8], derive: Derivation) throws -> SessionKeys {
        guard peerPublicKey.count == Self.publicKeyByteCount else {
            throw CryptoError.invalidKeyLength(expected: Self.publicKeyByteCount, actual: peerPublicKey.count)
        }
        let keyLength = Int(crypto_kx_SESSIONKEYBYTES)
        var receive = [UInt8](repeating: 0, count: keyLength)
        var transmit = [UInt8](repeating: 0, count: keyLength)
        defer {
            sodium_memzero(&receive, keyLength)
            sodium_memzero(&transmit, keyLength)
        }
        let status = secretKey.withPointer { secret in
            derive(&receive, &transmit, publicKey, secret, peerPublicKey)
        }
        // libsodium refuses low-order peer points; a peer sending one is hostile.
        guard status == 0 else { throw CryptoError.invalidPublicKey }
        return SessionKeys(receive: SecretBytes(copying: receive), transmit: SecretBytes(copying: transmit))
    }
}

/// One key per direction, so each side can number its own frames from zero without nonce reuse.
public struct SessionKeys: Sendable {
    public let receive: SecretBytes
    public let transmit: SecretBytes
}
