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
