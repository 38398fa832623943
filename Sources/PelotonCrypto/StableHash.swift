import CSodium

/// A 64-bit hash that is the same in every process, on every machine and in every release:
/// SipHash-2-4 (libsodium's `crypto_shorthash`) under a fixed, published key. Placement hashes
/// with it, because every node must compute the same ring; Swift's `Hasher` is seeded per
/// process and would put each key somewhere else on each node.
public enum StableHash {
    /// The key is not a secret: it only fixes which SipHash function this is. Changing it
    /// moves every key in every mesh.
    private static let key: [UInt8] = Array("peloton-ring-v1.".utf8)

    public static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        Sodium.ensureInitialized()
        // crypto_shorthash writes 8 bytes: read them as a little-endian number on any machine.
        var output: UInt64 = 0
        withUnsafeMutableBytes(of: &output) { outputBytes in
            withSodiumPointer(bytes) { input in
                _ = crypto_shorthash(outputBytes.baseAddress!.assumingMemoryBound(to: UInt8.self), input, UInt64(bytes.count), key)
            }
        }
        return UInt64(littleEndian: output)
    }

    public static func hash(_ bytes: [UInt8]) -> UInt64 {
        bytes.withUnsafeBytes { hash($0) }
    }
}
