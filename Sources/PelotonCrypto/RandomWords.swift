import CSodium
import Synchronization

/// 128 unpredictable bits as two words: the shape of request and event ids.
public func secureRandomWords() -> (high: UInt64, low: UInt64) {
    IDKeystream.shared.next()
}

/// Ids are drawn for every call a node routes, thousands a second, and libsodium's
/// `randombytes_buf` is a `getrandom` system call each time. So ids come from a ChaCha20
/// keystream instead: one key drawn from the kernel per process, and a fresh nonce per id from
/// a counter. Nobody without the key can predict an id (a client that could would plant
/// replies under another client's future ids), and no nonce repeats, so neither does an id
/// but by chance.
private final class IDKeystream: Sendable {
    static let shared = IDKeystream()

    private let key = secureRandomBytes(count: Int(crypto_stream_chacha20_ietf_KEYBYTES))
    private let counter = Atomic<UInt64>(0)

    func next() -> (high: UInt64, low: UInt64) {
        let count = counter.wrappingAdd(1, ordering: .relaxed).oldValue
        // The nonce is the counter's 8 bytes, then 4 zero bytes.
        var nonce: (UInt64, UInt32) = (count, 0)
        var words: (UInt64, UInt64) = (0, 0)
        withUnsafeMutableBytes(of: &words) { output in
            withUnsafeBytes(of: &nonce) { nonceBytes in
                key.withUnsafeBytes { keyBytes in
                    // All three buffers are non-empty, so each has an address.
                    guard let outputStart = output.baseAddress, let nonceStart = nonceBytes.baseAddress, let keyStart = keyBytes.baseAddress else {
                        preconditionFailure("a non-empty buffer without an address")
                    }
                    _ = crypto_stream_chacha20_ietf(
                        outputStart.assumingMemoryBound(to: UInt8.self), UInt64(output.count),
                        nonceStart.assumingMemoryBound(to: UInt8.self), keyStart.assumingMemoryBound(to: UInt8.self))
                }
            }
        }
        return (high: words.0, low: words.1)
    }
}
