/// The key pair that defines a cluster: it signs a certificate for every node key it admits.
/// The certificate format lives in `PelotonWire` (`NodeCertificate`), which signs with this key.
public struct Authority: Sendable {
    public let keyPair: SigningKeyPair

    public var publicKey: PublicKey { keyPair.publicKey }

    public init(keyPair: SigningKeyPair) {
        self.keyPair = keyPair
    }

    public static func generate() -> Authority {
        Authority(keyPair: .generate())
    }

    public static func load(from path: String) throws -> Authority {
        Authority(keyPair: try KeyFile.load(kind: .authority, from: path))
    }

    public func save(to path: String, overwrite: Bool = false) throws {
        try KeyFile.save(keyPair, kind: .authority, to: path, overwrite: overwrite)
    }

    public func signature(for message: [UInt8]) -> Signature { keyPair.signature(for: message) }
}
