import CSodium

/// A node's identity in the mesh: the first 128 bits of BLAKE2b over its Ed25519 public key.
///
/// Derived from the key, never from an address, so a node that moves keeps its id and a new
/// identity on an old address is a new member. Two words make hashing and comparison cheap in
/// the simulator's dictionaries of thousands of nodes.
public struct NodeID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public static let byteCount = 16
    public let high: UInt64
    public let low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    public init(publicKey: PublicKey) {
        self.init(exactly: genericHash(publicKey.bytes, outputLength: Self.byteCount))
    }

    /// Reads 16 big-endian bytes; nil when the count is wrong.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == Self.byteCount else { return nil }
        self.init(exactly: bytes)
    }

    /// Parses the full 32-hex-digit form `description` prints; nil for anything else.
    public init?(hex: String) {
        guard let decoded = PelotonCrypto.bytes(fromHex: hex) else { return nil }
        self.init(bytes: decoded)
    }

    private init(exactly bytes: some Collection<UInt8>) {
        var high: UInt64 = 0
        var low: UInt64 = 0
        for (index, byte) in bytes.enumerated() {
            if index < 8 { high = high << 8 | UInt64(byte) } else { low = low << 8 | UInt64(byte) }
        }
        self.init(high: high, low: low)
    }

    public var bytes: [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: high >> (56 - 8 * $0)) }
            + (0..<8).map { UInt8(truncatingIfNeeded: low >> (56 - 8 * $0)) }
    }

    public static func < (lhs: NodeID, rhs: NodeID) -> Bool {
        (lhs.high, lhs.low) < (rhs.high, rhs.low)
    }

    /// Full 32 hex digits. Written straight from the words: replies carry ids as headers, so
    /// this runs for every call.
    public var description: String {
        String(unsafeUninitializedCapacity: 2 * Self.byteCount) { output in
            let digits: StaticString = "0123456789abcdef"
            func write(_ word: UInt64, at offset: Int) {
                for nibble in 0..<16 {
                    output[offset + nibble] = digits.utf8Start[Int(truncatingIfNeeded: word >> (60 - 4 * UInt64(nibble))) & 0xf]
                }
            }
            write(high, at: 0)
            write(low, at: 16)
            return 2 * Self.byteCount
        }
    }

    /// The first 8 hex digits, for tables and logs (like a short git hash).
    public var short: String { String(description.prefix(8)) }
}

/// BLAKE2b (libsodium's `crypto_generichash`) with the given output length (16...64).
public func genericHash(_ input: [UInt8], outputLength: Int) -> [UInt8] {
    Sodium.ensureInitialized()
    precondition((Int(crypto_generichash_BYTES_MIN)...Int(crypto_generichash_BYTES_MAX)).contains(outputLength))
    var output = [UInt8](repeating: 0, count: outputLength)
    input.withUnsafeBytes { inputBytes in
        withSodiumPointer(inputBytes) { _ = crypto_generichash(&output, outputLength, $0, UInt64(inputBytes.count), nil, 0) }
    }
    return output
}
