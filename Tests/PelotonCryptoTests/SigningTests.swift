import PelotonCrypto
import Testing

@Suite struct SigningTests {
    @Test func signThenVerifyRoundTrips() {
        let identity = NodeIdentity.generate()
        let message = Array("hello, mesh".utf8)
        let signature = identity.signature(for: message)
        #expect(identity.publicKey.isValidSignature(signature, for: message))
    }

    @Test func everyFlippedBitOfTheMessageIsRejected() {
        let identity = NodeIdentity.generate()
        let message = Array("a message worth protecting".utf8)
        let signature = identity.signature(for: message)
        for bit in 0..<(message.count * 8) {
            var tampered = message
            tampered[bit / 8] ^= 1 << (bit % 8)
            #expect(!identity.publicKey.isValidSignature(signature, for: tampered), "bit \(bit)")
        }
    }

    @Test func everyFlippedBitOfTheSignatureIsRejected() throws {
        let identity = NodeIdentity.generate()
        let message = Array("payload".utf8)
        let signature = identity.signature(for: message)
        for bit in 0..<(Signature.byteCount * 8) {
            var bytes = signature.bytes
            bytes[bit / 8] ^= 1 << (bit % 8)
            #expect(!identity.publicKey.isValidSignature(try Signature(bytes: bytes), for: message), "bit \(bit)")
        }
    }

    @Test func anotherKeysSignatureIsRejected() {
        let signer = NodeIdentity.generate()
        let other = NodeIdentity.generate()
        let message = Array("payload".utf8)
        #expect(!other.publicKey.isValidSignature(signer.signature(for: message), for: message))
    }

    @Test func emptyMessageCanBeSigned() {
        let identity = NodeIdentity.generate()
        let signature = identity.signature(for: [])
        #expect(identity.publicKey.isValidSignature(signature, for: []))
        #expect(!identity.publicKey.isValidSignature(signature, for: [0]))
    }

    @Test func nodeIDIsDerivedFromTheKeyAndStable() throws {
        let identity = NodeIdentity.generate()
        let again = try PublicKey(bytes: identity.publicKey.bytes)
        #expect(again.nodeID == identity.nodeID)
        #expect(NodeID(bytes: identity.nodeID.bytes) == identity.nodeID)
        #expect(NodeIdentity.generate().nodeID != identity.nodeID)
        #expect(identity.nodeID.description.count == 32)
        #expect(identity.nodeID.short.count == 8)
        #expect(NodeID(hex: identity.nodeID.description) == identity.nodeID)
        #expect(NodeID(hex: identity.nodeID.description.uppercased()) == identity.nodeID)
        for malformed in ["", "abc", String(identity.nodeID.description.dropLast(2)), "+" + identity.nodeID.description.dropFirst(), identity.nodeID.description + "00"] {
            #expect(NodeID(hex: malformed) == nil)
        }
    }

    @Test func wrongLengthsAreRefused() {
        #expect(throws: CryptoError.invalidKeyLength(expected: 32, actual: 31)) { try PublicKey(bytes: [UInt8](repeating: 0, count: 31)) }
        #expect(throws: CryptoError.invalidKeyLength(expected: 64, actual: 65)) { try Signature(bytes: [UInt8](repeating: 0, count: 65)) }
        #expect(NodeID(bytes: [1, 2, 3]) == nil)
    }
}
