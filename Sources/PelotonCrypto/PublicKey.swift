import CSodium

/// An Ed25519 public key (32 bytes).
public struct PublicKey: Hashable, Sendable, CustomStringConvertible {
    public static let byteCount = Int(crypto_sign_PUBLICKEYBYTES)
    public let bytes: [UInt8]

    public init(bytes: [UInt8]) throws {
        guard bytes.count == Self.byteCount else {
            throw CryptoError.invalidKeyLength(expected: Self.byteCount, actual: bytes.count)
        }
        self.bytes = bytes
    }

    /// Checks a detached Ed25519 signature over `message`.
    public func isValidSignature(_ signature: Signature, for message: UnsafeRawBufferPointer) -> Bool {
        Sodium.ensureInitialized()
        return withSodiumPointer(message) { messagePointer in
            crypto_sign_verify_detached(signature.bytes, messagePointer, UInt64(message.count), bytes) == 0
        }
    }

    public func isValidSignature(_ signature: Signature, for message: [UInt8]) -> Bool {
        message.withUnsafeBytes { isValidSignature(signature, for: $0) }
    }

    /// The node id this key names; see `NodeID`.
    public var nodeID: NodeID { NodeID(publicKey: self) }

    public var description: String { hexString(bytes) }
}

/// A detached Ed25519 signature (64 bytes).
public struct Signature: Hashable, Sendable {
    public static let byteCount = Int(crypto_sign_BYTES)
    public let bytes: [UInt8]

    public init(bytes: [UInt8]) throws {
        guard bytes.count == Self.byteCount else {
            throw CryptoError.invalidKeyLength(expected: Self.byteCount, actual: bytes.count)
        }
        self.bytes = bytes
    }
}

/// Lower-case hexadecimal, for logs and display.
public func hexString(_ bytes: some Sequence<UInt8>) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var out: [UInt8] = []
    for byte in bytes {
        out.append(digits[Int(byte >> 4)])
        out.append(digits[Int(byte & 0x0f)])
    }
    return String(decoding: out, as: UTF8.self)
}
