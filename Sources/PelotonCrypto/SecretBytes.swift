import CSodium

/// A fixed-size buffer of secret key material that is wiped with `sodium_memzero` when released.
///
/// `@unchecked Sendable` is sound: the buffer is written only in `init` (before the instance is
/// shared) and in `deinit` (after the last reference is gone); every other access is a read.
public final class SecretBytes: @unchecked Sendable {
    private let pointer: UnsafeMutablePointer<UInt8>
    public let count: Int

    /// Allocates `count` bytes and lets `fill` write them.
    init(count: Int, fill: (UnsafeMutablePointer<UInt8>) throws -> Void) rethrows {
        self.count = count
        // Never a zero-byte allocation: libsodium wants a valid pointer even for empty input.
        pointer = .allocate(capacity: max(count, 1))
        pointer.initialize(repeating: 0, count: max(count, 1))
        do {
            try fill(pointer)
        } catch {
            sodium_memzero(pointer, count)
            pointer.deallocate()
            throw error
        }
    }

    convenience init(copying bytes: some Collection<UInt8>) {
        self.init(count: bytes.count) { destination in
            for (offset, byte) in bytes.enumerated() { destination[offset] = byte }
        }
    }

    deinit {
        sodium_memzero(pointer, count)
        pointer.deallocate()
    }

    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(start: pointer, count: count))
    }

    func withPointer<R>(_ body: (UnsafePointer<UInt8>) throws -> R) rethrows -> R {
        try body(pointer)
    }

    /// Constant-time comparison, so a caller checking secrets leaks no timing.
    public func constantTimeEquals(_ other: SecretBytes) -> Bool {
        guard count == other.count else { return false }
        return sodium_memcmp(pointer, other.pointer, count) == 0
    }
}

/// Runs `body` with a non-null pointer to `buffer`'s bytes, as libsodium's annotated C API
/// requires; an empty buffer gets the address of a placeholder byte it will never read.
func withSodiumPointer<R>(_ buffer: UnsafeRawBufferPointer, _ body: (UnsafePointer<UInt8>) throws -> R) rethrows -> R {
    if let base = buffer.baseAddress { return try body(base.assumingMemoryBound(to: UInt8.self)) }
    var placeholder: UInt8 = 0
    return try withUnsafePointer(to: &placeholder) { try body($0) }
}
