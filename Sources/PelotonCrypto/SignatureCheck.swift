/// Checks an Ed25519 signature. Protocol code takes one instead of calling libsodium itself,
/// so a simulator running thousands of nodes that all check the same claims can remember each
/// answer once for all of them: the check is a pure function, so remembering it changes no
/// decision, only how often the same arithmetic is done.
public protocol SignatureCheck: Sendable {
    func isValid(_ signature: Signature, by key: PublicKey, over message: [UInt8]) -> Bool
}

/// libsodium's check, every time: what a real node uses.
public struct Ed25519SignatureCheck: SignatureCheck {
    public init() {}

    public func isValid(_ signature: Signature, by key: PublicKey, over message: [UInt8]) -> Bool {
        key.isValidSignature(signature, for: message)
    }
}
