import CSodium

/// XChaCha20-Poly1305 (IETF) sealing, the AEAD every stream frame goes through.
public enum AEAD {
    public static let keyByteCount = Int(crypto_aead_xchacha20poly1305_ietf_KEYBYTES)
    public static let nonceByteCount = Int(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES)
    public static let tagByteCount = Int(crypto_aead_xchacha20poly1305_ietf_ABYTES)

    public static func seal(_ plaintext: UnsafeRawBufferPointer, nonce: [UInt8], associatedData: [UInt8] = [], key: SecretBytes) -> [UInt8] {
        precondition(nonce.count == nonceByteCount && key.count == keyByteCount)
        Sodium.ensureInitialized()
        var ciphertext = [UInt8](repeating: 0, count: plaintext.count + tagByteCount)
        var written: UInt64 = 0
        key.withPointer { keyPointer in
            withSodiumPointer(plaintext) { plaintextPointer in
                _ = crypto_aead_xchacha20poly1305_ietf_encrypt(
                    &ciphertext, &written, plaintextPointer, UInt64(plaintext.count),
                    associatedData, UInt64(associatedData.count), nil, nonce, keyPointer)
            }
        }
        return ciphertext
    }

    public static func open(_ ciphertext: UnsafeRawBufferPointer, nonce: [UInt8], associatedData: [UInt8] = [], key: SecretBytes) throws -> [UInt8] {
        precondition(nonce.count == nonceByteCount && key.count == keyByteCount)
        Sodium.ensureInitialized()
        guard ciphertext.count >= tagByteCount else { throw CryptoError.decryptionFailed }
        var plaintext = [UInt8](repeating: 0, count: ciphertext.count - tagByteCount)
        var written: UInt64 = 0
        let status = key.withPointer { keyPointer in
            withSodiumPointer(ciphertext) { ciphertextPointer in
                crypto_aead_xchacha20poly1305_ietf_decrypt(
                    &plaintext, &written, nil, ciphertextPointer, UInt64(ciphertext.count),
                    associatedData, UInt64(associatedData.count), nonce, keyPointer)
            }
        }
        guard status == 0 else { throw CryptoError.decryptionFailed }
        return plaintext
    }

    /// The nonce of frame `counter`: its little-endian number, zero-padded to 24 bytes. Unique
    /// because each direction of a session has its own key and numbers its frames from zero.
    static func nonce(counter: UInt64) -> [UInt8] {
        var nonce = [UInt8](repeating: 0, count: nonceByteCount)
        for index in 0..<8 { nonce[index] = UInt8(truncatingIfNeeded: counter >> (8 * index)) }
        return nonce
    }
}

/// Seals the frames one side sends on a stream. The frame number is implicit: both sides count.
public struct StreamSealer: Sendable {
    private let key: SecretBytes
    public private(set) var framesSealed: UInt64 = 0

    public init(key: SecretBytes) { self.key = key }

    public mutating func seal(_ plaintext: [UInt8]) -> [UInt8] {
        plaintext.withUnsafeBytes { seal($0) }
    }

    public mutating func seal(_ plaintext: UnsafeRawBufferPointer) -> [UInt8] {
        // 2^64 frames is unreachable; the check keeps a nonce from ever repeating regardless.
        precondition(framesSealed < .max, "stream frame counter exhausted; open a new session")
        defer { framesSealed += 1 }
        return AEAD.seal(plaintext, nonce: AEAD.nonce(counter: framesSealed), key: key)
    }
}

/// Opens the frames the peer sends, in order: a replayed, reordered, dropped or forged frame
/// fails authentication, because it would need another frame number's nonce.
public struct StreamOpener: Sendable {
    private let key: SecretBytes
    public private(set) var framesOpened: UInt64 = 0

    public init(key: SecretBytes) { self.key = key }

    public mutating func open(_ ciphertext: [UInt8]) throws -> [UInt8] {
        try ciphertext.withUnsafeBytes { try open($0) }
    }

    public mutating func open(_ ciphertext: UnsafeRawBufferPointer) throws -> [UInt8] {
        let plaintext = try AEAD.open(ciphertext, nonce: AEAD.nonce(counter: framesOpened), key: key)
        framesOpened += 1
        return plaintext
    }
}
