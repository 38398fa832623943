import PelotonCore
import PelotonCrypto
import PelotonMembership
@testable import PelotonNode
import PelotonWire
import Testing

@Suite struct PayloadTests {
    @Test func payloadsRoundTripAndHostileBytesOnlyThrow() throws {
        let authority = Authority.generate()
        let leaving = NodeIdentity.generate()
        let revocation = authority.revoke(NodeIdentity.generate().nodeID, issuedAt: 1_800_000_000)
        let samples: [NodePayload] = [
            .membership(.gossip(updates: [SignedClaim(signing: .left(id: leaving.nodeID, incarnation: 3), as: leaving)])),
            .membership(.ack(sequence: 9, updates: [])),
            .revocations([revocation, revocation]),
        ]
        for sample in samples {
            #expect(try NodePayload(wireBytes: sample.wireBytes) == sample)
            // Every truncation and every single-bit flip either decodes to something or throws.
            let bytes = sample.wireBytes
            for cut in 0..<bytes.count { _ = try? NodePayload(wireBytes: bytes.prefix(cut)) }
            for bit in 0..<(bytes.count * 8) {
                var damaged = bytes
                damaged[bit / 8] ^= 1 << (bit % 8)
                _ = try? NodePayload(wireBytes: damaged)
            }
        }
        var random = SeededRandom(seed: 5)
        for _ in 0..<5_000 {
            let length = Int(random.next() % 300)
            let junk = (0..<length).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            _ = try? NodePayload(wireBytes: junk)
        }
    }

    @Test func aRevocationVerifiesOnlyUnderItsAuthorityAndUndamaged() throws {
        let authority = Authority.generate()
        let revocation = authority.revoke(NodeIdentity.generate().nodeID, issuedAt: 1_800_000_000)
        try revocation.verify(authority: authority.publicKey)
        #expect(throws: CertificateError.wrongAuthority) { try revocation.verify(authority: Authority.generate().publicKey) }
        let bytes = revocation.wireBytes
        #expect(bytes.count == Revocation.encodedSize)
        for bit in 8..<(bytes.count * 8) {
            var damaged = bytes
            damaged[bit / 8] ^= 1 << (bit % 8)
            guard let decoded = try? Revocation(wireBytes: damaged) else { continue }
            #expect(throws: CertificateError.self) { try decoded.verify(authority: authority.publicKey) }
        }
    }
}
