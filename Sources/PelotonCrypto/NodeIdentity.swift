/// A node's long-lived Ed25519 identity, kept in its data directory.
public struct NodeIdentity: Sendable {
    public let keyPair: SigningKeyPair

    public var publicKey: PublicKey { keyPair.publicKey }
    public var nodeID: NodeID { keyPair.publicKey.nodeID }

    public init(keyPair: SigningKeyPair) {
        self.keyPair = keyPair
    }

    public static func generate() -> NodeIdentity {
        NodeIdentity(keyPair: .generate())
    }

    /// Loads the identity at `path`, refusing files others can read and damaged files.
    public static func load(from path: String) throws -> NodeIdentity {
        NodeIdentity(keyPair: try KeyFile.load(kind: .node, from: path))
    }

    /// Loads the identity at `path`, or creates and saves a new one when there is none.
    public static func loadOrCreate(at path: String) throws -> NodeIdentity {
        do {
            return try load(from: path)
        } catch CryptoError.keyFileMissing {
            let identity = generate()
            try identity.save(to: path)
            return identity
        }
    }

    /// Saves with mode 0600. Never overwrites an existing identity unless asked.
    public func save(to path: String, overwrite: Bool = false) throws {
        try KeyFile.save(keyPair, kind: .node, to: path, overwrite: overwrite)
    }

    public func signature(for message: [UInt8]) -> Signature { keyPair.signature(for: message) }
    public func signature(for message: UnsafeRawBufferPointer) -> Signature { keyPair.signature(for: message) }
}
