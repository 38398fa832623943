import CSodium

/// libsodium must be initialised once before use; `sodium_init` is itself thread-safe and
/// idempotent, and a Swift global is initialised exactly once, lazily and atomically.
private let sodiumInitResult: Int32 = sodium_init()

enum Sodium {
    /// Call at the top of every entry point that touches libsodium.
    @inline(__always)
    static func ensureInitialized() {
        precondition(sodiumInitResult >= 0, "libsodium failed to initialise (sodium_init returned \(sodiumInitResult))")
    }
}

/// Cryptographically secure random bytes from libsodium.
public func secureRandomBytes(count: Int) -> [UInt8] {
    Sodium.ensureInitialized()
    var bytes = [UInt8](repeating: 0, count: count)
    randombytes_buf(&bytes, count)
    return bytes
}

/// Compares two byte strings in time that depends only on their lengths (for tokens and
/// other secrets a client presents).
public func constantTimeEqual(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
    Sodium.ensureInitialized()
    guard lhs.count == rhs.count else { return false }
    guard !lhs.isEmpty else { return true }
    return lhs.withUnsafeBytes { left in
        rhs.withUnsafeBytes { right in
            withSodiumPointer(left) { leftPointer in
                withSodiumPointer(right) { rightPointer in sodium_memcmp(leftPointer, rightPointer, lhs.count) == 0 }
            }
        }
    }
}
