import PelotonCrypto
import Testing

@Suite struct SealedStreamTests {
    /// Both ends of a session, as the handshake would leave them.
    private func session() throws -> (client: SessionKeys, server: SessionKeys) {
        let client = KeyExchangeKeyPair.generate()
        let server = KeyExchangeKeyPair.generate()
        return (try client.clientSessionKeys(serverPublicKey: server.publicKey),
                try server.serverSessionKeys(clientPublicKey: client.publicKey))
    }

    @Test func keyExchangeAgreesInBothDirections() throws {
        let (client, server) = try session()
        #expect(client.transmit.constantTimeEquals(server.receive))
        #expect(client.receive.constantTimeEquals(server.transmit))
        #expect(!client.transmit.constantTimeEquals(client.receive))
    }

    @Test func lowOrderPeerKeyIsRefused() {
        let mine = KeyExchangeKeyPair.generate()
        #expect(throws: CryptoError.invalidPublicKey) {
            try mine.clientSessionKeys(serverPublicKey: [UInt8](repeating: 0, count: 32))
        }
        #expect(throws: CryptoError.invalidKeyLength(expected: 32, actual: 3)) {
            try mine.serverSessionKeys(clientPublicKey: [1, 2, 3])
        }
    }

    @Test func framesRoundTripInOrder() throws {
        let (client, server) = try session()
        var sealer = StreamSealer(key: client.transmit)
        var opener = StreamOpener(key: server.receive)
        for index in 0..<50 {
            let message = Array("frame \(index)".utf8) + [UInt8](repeating: UInt8(index), count: index * 7)
            #expect(try opener.open(sealer.seal(message)) == message)
        }
        #expect(try opener.open(sealer.seal([])) == [])
    }

    @Test func replayedReorderedAndTamperedFramesFail() throws {
        let (client, server) = try session()
        var sealer = StreamSealer(key: client.transmit)
        var opener = StreamOpener(key: server.receive)
        let first = sealer.seal(Array("first".utf8))
        let second = sealer.seal(Array("second".utf8))
        #expect(throws: CryptoError.decryptionFailed) { try opener.open(second) }  // reordered
        #expect(try opener.open(first) == Array("first".utf8))
        #expect(throws: CryptoError.decryptionFailed) { try opener.open(first) }  // replayed
        for bit in 0..<(second.count * 8) {
            var tampered = second
            tampered[bit / 8] ^= 1 << (bit % 8)
            var probe = opener
            #expect(throws: CryptoError.decryptionFailed) { try probe.open(tampered) }
        }
        #expect(throws: CryptoError.decryptionFailed) { try opener.open([1, 2, 3]) }
        #expect(try opener.open(second) == Array("second".utf8))
    }

    @Test func wrongDirectionKeyFails() throws {
        let (client, _) = try session()
        var sealer = StreamSealer(key: client.transmit)
        var opener = StreamOpener(key: client.receive)
        #expect(throws: CryptoError.decryptionFailed) { try opener.open(sealer.seal([1, 2, 3])) }
    }
}
