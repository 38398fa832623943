import PelotonCrypto
import PelotonWire
import Testing

@Suite struct CertificateTests {
    let authority = Authority.generate()
    let node = NodeIdentity.generate()
    let now: UInt64 = 1_800_000_000

    @Test func issuedCertificateVerifiesAndRoundTrips() throws {
        let certificate = try authority.issueCertificate(for: node.publicKey, name: "node-1", notAfter: now + 3600)
        try certificate.verify(authority: authority.publicKey, now: now)
        let decoded = try NodeCertificate(wireBytes: certificate.wireBytes)
        #expect(decoded == certificate)
        #expect(decoded.nodeID == node.nodeID)
        try decoded.verify(authority: authority.publicKey, now: now)
    }

    @Test func expiredCertificateIsRejected() throws {
        let certificate = try authority.issueCertificate(for: node.publicKey, name: "node-1", notAfter: now - 1)
        #expect(throws: CertificateError.expired(notAfter: now - 1, now: now)) {
            try certificate.verify(authority: authority.publicKey, now: now)
        }
    }

    @Test func certificateFromAnotherAuthorityIsRejected() throws {
        let other = Authority.generate()
        let certificate = try other.issueCertificate(for: node.publicKey, name: "node-1", notAfter: now + 3600)
        #expect(throws: CertificateError.wrongAuthority) { try certificate.verify(authority: authority.publicKey, now: now) }
    }

    @Test func tamperedNameIsRejected() throws {
        let certificate = try authority.issueCertificate(for: node.publicKey, name: "node-1", notAfter: now + 3600)
        var bytes = certificate.wireBytes
        // The name's bytes follow the version byte, the 32-byte key and the 1-byte length.
        let nameStart = 1 + 32 + 1
        #expect(bytes[nameStart + 5] == UInt8(ascii: "1"))
        bytes[nameStart + 5] = UInt8(ascii: "2")
        let tampered = try NodeCertificate(wireBytes: bytes)
        #expect(tampered.name == "node-2")
        #expect(throws: CertificateError.badSignature) { try tampered.verify(authority: authority.publicKey, now: now) }
    }

    @Test func everyFlippedBitIsRejected() throws {
        let certificate = try authority.issueCertificate(for: node.publicKey, name: "n", notAfter: now + 3600)
        let bytes = certificate.wireBytes
        for bit in 0..<(bytes.count * 8) {
            var tampered = bytes
            tampered[bit / 8] ^= 1 << (bit % 8)
            do {
                try NodeCertificate(wireBytes: tampered).verify(authority: authority.publicKey, now: now)
                Issue.record("bit \(bit) flipped and the certificate still verified")
            } catch {}
        }
    }

    @Test func badNamesAreRefusedAtIssue() {
        for name in ["", String(repeating: "a", count: 65), "has space", "ünïcode", "semi;colon"] {
            #expect(throws: WireError.self, "\(name)") {
                try authority.issueCertificate(for: node.publicKey, name: name, notAfter: now)
            }
        }
    }
}
