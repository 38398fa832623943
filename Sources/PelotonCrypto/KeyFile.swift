#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The on-disk form of a signing key: `PLTN`, format version, kind, 32-byte seed, 32-byte public
/// key. The public key is stored so a damaged seed is detected instead of silently yielding a
/// different identity. Files are created with mode 0600 and refused when others can read them.
enum KeyFile {
    enum Kind: UInt8 {
        case node = 1
        case authority = 2

        var name: String {
            switch self {
            case .node: "node identity"
            case .authority: "authority"
            }
        }
    }

    static let magic: [UInt8] = Array("PLTN".utf8)
    static let formatVersion: UInt8 = 1
    static let byteCount = magic.count + 2 + SigningKeyPair.seedByteCount + PublicKey.byteCount

    static func save(_ keyPair: SigningKeyPair, kind: Kind, to path: String, overwrite: Bool = false) throws {
        var contents = magic + [formatVersion, kind.rawValue]
        keyPair.seed.withUnsafeBytes { contents.append(contentsOf: $0) }
        contents += keyPair.publicKey.bytes
        defer { contents.withUnsafeMutableBytes { buffer in zeroize(buffer) } }

        // Write a private temporary file, flush it, then rename over the target: a crash never
        // leaves a half-written key, and the key is never readable by others, whatever the umask.
        let temporary = path + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw CryptoError.io(path: temporary, operation: "create", errno: errno) }
        var failure: CryptoError?
        if fchmod(descriptor, 0o600) != 0 {
            failure = .io(path: temporary, operation: "chmod", errno: errno)
        } else if contents.withUnsafeBytes({ write(descriptor, $0.baseAddress, $0.count) }) != contents.count {
            failure = .io(path: temporary, operation: "write", errno: errno)
        } else if fsync(descriptor) != 0 {
            failure = .io(path: temporary, operation: "fsync", errno: errno)
        }
        close(descriptor)
        if failure == nil, overwrite {
            if rename(temporary, path) != 0 { failure = .io(path: path, operation: "rename", errno: errno) }
        } else if failure == nil {
            // link(2) never replaces an existing file, so two processes creating the same key
            // at once cannot both succeed (the loser sees keyFileExists and can load the winner's).
            if link(temporary, path) != 0 {
                failure = errno == EEXIST ? .keyFileExists(path: path) : .io(path: path, operation: "link", errno: errno)
            }
            unlink(temporary)
        }
        if let failure {
            unlink(temporary)
            throw failure
        }
    }

    static func load(kind: Kind, from path: String) throws -> SigningKeyPair {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            let code = errno
            throw code == ENOENT ? CryptoError.keyFileMissing(path: path) : .io(path: path, operation: "open", errno: code)
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw CryptoError.io(path: path, operation: "stat", errno: errno) }
        guard status.st_mode & 0o077 == 0 else {
            throw CryptoError.keyFilePermissions(path: path, mode: UInt32(status.st_mode))
        }
        // Read one byte more than expected so trailing garbage is caught too.
        var contents = [UInt8](repeating: 0, count: byteCount + 1)
        defer { contents.withUnsafeMutableBytes { buffer in zeroize(buffer) } }
        var filled = 0
        while filled < contents.count {
            let got = contents.withUnsafeMutableBytes { buffer in
                read(descriptor, buffer.baseAddress.map { $0 + filled }, buffer.count - filled)
            }
            if got < 0 { throw CryptoError.io(path: path, operation: "read", errno: errno) }
            if got == 0 { break }
            filled += got
        }
        guard filled == byteCount else {
            throw CryptoError.keyFileTruncated(path: path, size: filled, expected: byteCount)
        }
        guard Array(contents[0..<4]) == magic else {
            throw CryptoError.keyFileCorrupt(path: path, reason: "not a Peloton key file")
        }
        guard contents[4] == formatVersion else {
            throw CryptoError.keyFileCorrupt(path: path, reason: "unsupported key file version \(contents[4])")
        }
        guard let foundKind = Kind(rawValue: contents[5]) else {
            throw CryptoError.keyFileCorrupt(path: path, reason: "unknown key kind \(contents[5])")
        }
        guard foundKind == kind else {
            throw CryptoError.keyFileWrongKind(path: path, expected: kind.name, found: foundKind.name)
        }
        let seedEnd = 6 + SigningKeyPair.seedByteCount
        let keyPair = try SigningKeyPair(seed: SecretBytes(copying: contents[6..<seedEnd]))
        guard keyPair.publicKey.bytes == Array(contents[seedEnd..<byteCount]) else {
            throw CryptoError.keyFileCorrupt(path: path, reason: "the secret key does not match the stored public key")
        }
        return keyPair
    }

    private static func zeroize(_ buffer: UnsafeMutableRawBufferPointer) {
        buffer.initializeMemory(as: UInt8.self, repeating: 0)
    }
}
