import PelotonCrypto
import Synchronization

/// libsodium's signature check, remembered for the whole simulation: every simulated node
/// checks the same claims and certificates, and checking each one once instead of once per
/// node keeps a 1,000-node join affordable. The check is a pure function of key, signature and
/// message, so remembering it changes no decision; a forged claim is remembered as forged.
final class RememberedSignatureChecks: SignatureCheck {
    private struct Question: Hashable {
        let key: PublicKey
        let signature: Signature
        let message: [UInt8]
    }

    private let answers = Mutex<[Question: Bool]>([:])
    /// Distinct questions remembered at most; past it the memory starts over.
    private static let capacity = 1 << 20

    func isValid(_ signature: Signature, by key: PublicKey, over message: [UInt8]) -> Bool {
        let question = Question(key: key, signature: signature, message: message)
        if let known = answers.withLock({ $0[question] }) { return known }
        let answer = key.isValidSignature(signature, for: message)
        answers.withLock { answers in
            if answers.count >= Self.capacity { answers.removeAll(keepingCapacity: true) }
            answers[question] = answer
        }
        return answer
    }
}
