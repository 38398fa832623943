import PelotonCrypto
import PelotonWire
import Testing

@Suite struct HandshakeTests {
    let authority = Authority.generate()
    let now: UInt64 = 1_800_000_000

    private func member(_ name: String, by signer: Authority? = nil) throws -> (NodeIdentity, NodeCertificate) {
        let identity = NodeIdentity.generate()
        return (identity, try (signer ?? authority).issueCertificate(for: identity.publicKey, name: name, notAfter: now + 3600))
    }

    @Test func bothSidesLearnEachOtherAndAgreeOnKeys() throws {
        let (a, aCertificate) = try member("a")
        let (b, bCertificate) = try member("b")
        let initiator = HandshakeInitiator(identity: a, certificate: aCertificate, authority: authority.publicKey)
        var responder = HandshakeResponder(identity: b, certificate: bCertificate, authority: authority.publicKey)
        let reply = try responder.reply(to: initiator.hello, now: now)
        let (finish, initiatorSession) = try initiator.finish(reply: reply, now: now)
        let responderSession = try responder.complete(finish: finish)
        #expect(initiatorSession.peer == bCertificate)
        #expect(responderSession.peer == aCertificate)
        // A frame sealed by one side opens on the other, in both directions.
        var sealer = StreamSealer(key: initiatorSession.keys.transmit)
        var opener = StreamOpener(key: responderSession.keys.receive)
        #expect(try opener.open(sealer.seal([1, 2, 3])) == [1, 2, 3])
        var backSealer = StreamSealer(key: responderSession.keys.transmit)
        var backOpener = StreamOpener(key: initiatorSession.keys.receive)
        #expect(try backOpener.open(backSealer.seal([4])) == [4])
    }

    @Test func aCertificateFromAnotherAuthorityIsRefusedOnBothSides() throws {
        let (stranger, strangerCertificate) = try member("stranger", by: Authority.generate())
        let (b, bCertificate) = try member("b")
        var responder = HandshakeResponder(identity: b, certificate: bCertificate, authority: authority.publicKey)
        let intruder = HandshakeInitiator(identity: stranger, certificate: strangerCertificate, authority: authority.publicKey)
        #expect(throws: HandshakeError.certificateRefused(.wrongAuthority)) { try responder.reply(to: intruder.hello, now: now) }

        let (a, aCertificate) = try member("a")
        let initiator = HandshakeInitiator(identity: a, certificate: aCertificate, authority: authority.publicKey)
        // A stranger that accepts our nodes still cannot make one of them accept it.
        var strangerResponder = HandshakeResponder(identity: stranger, certificate: strangerCertificate, authority: authority.publicKey)
        let reply = try strangerResponder.reply(to: initiator.hello, now: now)
        #expect(throws: HandshakeError.certificateRefused(.wrongAuthority)) { try initiator.finish(reply: reply, now: now) }
    }

    @Test func someoneShowingAnotherNodesCertificateCannotProveTheKey() throws {
        let (a, aCertificate) = try member("a")
        let (b, bCertificate) = try member("b")
        let (thief, _) = try member("thief")
        // The thief presents b's certificate but signs with its own key.
        let initiator = HandshakeInitiator(identity: a, certificate: aCertificate, authority: authority.publicKey)
        var impostor = HandshakeResponder(identity: thief, certificate: bCertificate, authority: authority.publicKey)
        let reply = try impostor.reply(to: initiator.hello, now: now)
        #expect(throws: HandshakeError.badSignature) { try initiator.finish(reply: reply, now: now) }
        // And as initiator: b's certificate with the thief's signature fails at the responder.
        let thiefInitiator = HandshakeInitiator(identity: thief, certificate: bCertificate, authority: authority.publicKey)
        var responder = HandshakeResponder(identity: a, certificate: aCertificate, authority: authority.publicKey)
        let honestReply = try responder.reply(to: thiefInitiator.hello, now: now)
        let (finish, _) = try thiefInitiator.finish(reply: honestReply, now: now)
        #expect(throws: HandshakeError.badSignature) { try responder.complete(finish: finish) }
        #expect(b.publicKey == bCertificate.nodeKey)
    }

    @Test func aRecordedFinishDoesNotOpenAnotherConnection() throws {
        let (a, aCertificate) = try member("a")
        let (b, bCertificate) = try member("b")
        let initiator = HandshakeInitiator(identity: a, certificate: aCertificate, authority: authority.publicKey)
        var first = HandshakeResponder(identity: b, certificate: bCertificate, authority: authority.publicKey)
        let (finish, _) = try initiator.finish(reply: try first.reply(to: initiator.hello, now: now), now: now)
        // Replaying the same hello and finish into a new connection: the responder's fresh
        // ephemeral key changes the transcript, so the old signature no longer verifies.
        var second = HandshakeResponder(identity: b, certificate: bCertificate, authority: authority.publicKey)
        _ = try second.reply(to: initiator.hello, now: now)
        #expect(throws: HandshakeError.badSignature) { try second.complete(finish: finish) }
    }

    @Test func expiredCertificatesAndDamagedMessagesAreRefused() throws {
        let (a, aCertificate) = try member("a")
        let (b, bCertificate) = try member("b")
        let initiator = HandshakeInitiator(identity: a, certificate: aCertificate, authority: authority.publicKey)
        var responder = HandshakeResponder(identity: b, certificate: bCertificate, authority: authority.publicKey)
        #expect(throws: HandshakeError.self) { try responder.reply(to: initiator.hello, now: now + 7200) }
        for cut in [0, 1, 10, initiator.hello.count - 1] {
            #expect(throws: HandshakeError.self) { try responder.reply(to: Array(initiator.hello.prefix(cut)), now: now) }
        }
        #expect(throws: HandshakeError.self) { try responder.reply(to: initiator.hello + [0], now: now) }
        #expect(throws: HandshakeError.self) { try responder.reply(to: [UInt8](repeating: 7, count: 5000), now: now) }
        var wrongVersion = initiator.hello
        wrongVersion[0] = 9
        #expect(throws: HandshakeError.self) { try responder.reply(to: wrongVersion, now: now) }
        #expect(throws: HandshakeError.self) { try responder.complete(finish: [1, 2, 3]) }
    }

    @Test func everySingleBitFlipOfTheReplyIsRefused() throws {
        let (a, aCertificate) = try member("a")
        let (b, bCertificate) = try member("b")
        let initiator = HandshakeInitiator(identity: a, certificate: aCertificate, authority: authority.publicKey)
        var responder = HandshakeResponder(identity: b, certificate: bCertificate, authority: authority.publicKey)
        let reply = try responder.reply(to: initiator.hello, now: now)
        for bit in 0..<(reply.count * 8) {
            var damaged = reply
            damaged[bit / 8] ^= 1 << (bit % 8)
            #expect(throws: HandshakeError.self) { try initiator.finish(reply: damaged, now: now) }
        }
    }
}
