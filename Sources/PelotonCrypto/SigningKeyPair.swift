import CSodium

/// An Ed25519 key pair. The secret half lives in `SecretBytes` and is wiped when released.
/// Node identities and the cluster authority are both signing key pairs with different roles.
public struct SigningKeyPair: Sendable {
    public static let seedByteCount = Int(crypto_sign_SEEDBYTES)
    public let publicKey: PublicKey
    /// libsodium's 64-byte secret key (seed followed by public key).
    private let secretKey: SecretBytes

    /// A fresh key pair from libsodium's CSPRNG.
    public static func generate() -> SigningKeyPair {
        try! SigningKeyPair(seed: SecretBytes(copying: secureRandomBytes(count: seedByteCount)))
    }

    /// The key pair of a 32-byte seed given in the clear: the same bytes give the same keys,
    /// which is what a seeded simulation needs. Real nodes use `generate()`.
    public init(seedBytes: [UInt8]) throws {
        try self.init(seed: SecretBytes(copying: seedBytes))
    }

    /// Derives the key pair from a 32-byte seed (what the key files store).
    public init(seed: SecretBytes) throws {
        Sodium.ensureInitialized()
        guard seed.count == Self.seedByteCount else {
            throw CryptoError.invalidKeyLength(expected: Self.seedByteCount, actual: seed.count)
        }
        var publicBytes = [UInt8](repeating: 0, count: PublicKey.byteCount)
        secretKey = SecretBytes(count: Int(crypto_sign_SECRETKEYBYTES)) { secret in
            seed.withPointer { _ = crypto_sign_seed_keypair(&publicBytes, secret, $0) }
        }
        publicKey = try PublicKey(bytes: publicBytes)
    }

    /// The 32-byte seed, for saving; the caller must not keep it longer than needed.
    var seed: SecretBytes {
        secretKey.withUnsafeBytes { SecretBytes(copying: $0.prefix(Self.seedByteCount)) }
    }

    public func signature(for message: UnsafeRawBufferPointer) -> Signature {
        var signature = [UInt8](repeating: 0, count: Signature.byteCount)
        secretKey.withPointer { secret in
            withSodiumPointer(message) { messagePointer in
                _ = crypto_sign_detached(&signature, nil, messagePointer, UInt64(message.count), secret)
            }
        }
        // Length is fixed by construction, so this cannot throw.
        return try! Signature(bytes: signature)
    }

    public func signature(for message: [UInt8]) -> Signature {
        message.withUnsafeBytes { signature(for: $0) }
    }
}
