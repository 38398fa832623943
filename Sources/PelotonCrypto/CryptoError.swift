/// Everything that can go wrong in `PelotonCrypto`, with enough context to act on.
public enum CryptoError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalidKeyLength(expected: Int, actual: Int)
    case invalidPublicKey
    case decryptionFailed
    case keyFileMissing(path: String)
    case keyFileExists(path: String)
    case keyFilePermissions(path: String, mode: UInt32)
    case keyFileTruncated(path: String, size: Int, expected: Int)
    case keyFileCorrupt(path: String, reason: String)
    case keyFileWrongKind(path: String, expected: String, found: String)
    case io(path: String, operation: String, errno: Int32)

    public var description: String {
        switch self {
        case let .invalidKeyLength(expected, actual):
            return "invalid key length: expected \(expected) bytes, got \(actual)"
        case .invalidPublicKey:
            return "invalid public key"
        case .decryptionFailed:
            return "decryption failed: the frame was forged, corrupted or sealed with another key"
        case let .keyFileMissing(path):
            return "key file \(path) does not exist"
        case let .keyFileExists(path):
            return "key file \(path) already exists; refusing to overwrite it"
        case let .keyFilePermissions(path, mode):
            let octal = String(mode & 0o777, radix: 8)
            return "key file \(path) has permissions 0\(octal); it must be readable by its owner only (run: chmod 600 \(path))"
        case let .keyFileTruncated(path, size, expected):
            return "key file \(path) is truncated or damaged: \(size) bytes, expected \(expected)"
        case let .keyFileCorrupt(path, reason):
            return "key file \(path) is corrupt: \(reason)"
        case let .keyFileWrongKind(path, expected, found):
            return "key file \(path) holds a \(found) key, but a \(expected) key was expected"
        case let .io(path, operation, code):
            return "\(operation) \(path) failed: \(String(cString: strerror(code)))"
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
