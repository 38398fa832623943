import PelotonCrypto
import PelotonWire
import Testing

@Suite struct EnvelopeTests {
    let sender = NodeIdentity.generate()
    var keys: [NodeID: PublicKey] { [sender.nodeID: sender.publicKey] }

    private func sealed(_ payload: [UInt8], incarnation: UInt64 = 1, sequence: UInt64) throws -> [UInt8] {
        try SignedEnvelope.seal(payload: payload, incarnation: incarnation, sequence: sequence, identity: sender)
    }

    @Test func sealedEnvelopeIsAdmittedWithItsFields() throws {
        var gate = EnvelopeGate()
        let datagram = try sealed(Array("ping".utf8), incarnation: 3, sequence: 9)
        let envelope = try gate.admit(datagram, senderKey: { keys[$0] }).get()
        #expect(envelope.sender == sender.nodeID)
        #expect(envelope.incarnation == 3)
        #expect(envelope.sequence == 9)
        #expect(envelope.payload == Array("ping".utf8))
    }

    @Test func everyFlippedBitIsRejected() throws {
        let datagram = try sealed(Array("a small gossip payload".utf8), sequence: 1)
        for bit in 0..<(datagram.count * 8) {
            var tampered = datagram
            tampered[bit / 8] ^= 1 << (bit % 8)
            var gate = EnvelopeGate()
            let result = gate.admit(tampered, senderKey: { keys[$0] })
            #expect(throws: EnvelopeRejection.self, "bit \(bit) was accepted") { try result.get() }
        }
    }

    @Test func replayIsRejected() throws {
        var gate = EnvelopeGate()
        let datagram = try sealed([1, 2, 3], sequence: 5)
        _ = try gate.admit(datagram, senderKey: { keys[$0] }).get()
        #expect(throws: EnvelopeRejection.replayed) { try gate.admit(datagram, senderKey: { keys[$0] }).get() }
    }

    @Test func outOfOrderWithinTheWindowIsAcceptedOnce() throws {
        var gate = EnvelopeGate()
        let later = try sealed([1], sequence: 100)
        let earlier = try sealed([2], sequence: 60)
        _ = try gate.admit(later, senderKey: { keys[$0] }).get()
        _ = try gate.admit(earlier, senderKey: { keys[$0] }).get()
        #expect(throws: EnvelopeRejection.replayed) { try gate.admit(earlier, senderKey: { keys[$0] }).get() }
    }

    @Test func envelopeTooOldForTheWindowIsRejected() throws {
        var gate = EnvelopeGate()
        let old = try sealed([1], sequence: 10)
        _ = try gate.admit(try sealed([2], sequence: 10 + ReplayWindow.span), senderKey: { keys[$0] }).get()
        #expect(throws: EnvelopeRejection.tooOld) { try gate.admit(old, senderKey: { keys[$0] }).get() }
    }

    @Test func olderIncarnationIsStaleAndNewerResetsTheWindow() throws {
        var gate = EnvelopeGate()
        _ = try gate.admit(try sealed([1], incarnation: 2, sequence: 500), senderKey: { keys[$0] }).get()
        #expect(throws: EnvelopeRejection.staleIncarnation) {
            try gate.admit(try sealed([1], incarnation: 1, sequence: 900), senderKey: { keys[$0] }).get()
        }
        // A restarted sender numbers from zero again under a higher incarnation.
        _ = try gate.admit(try sealed([1], incarnation: 3, sequence: 0), senderKey: { keys[$0] }).get()
    }

    @Test func unknownSenderAndImpostorAreRejected() throws {
        var gate = EnvelopeGate()
        let datagram = try sealed([1], sequence: 1)
        #expect(throws: EnvelopeRejection.unknownSender(sender.nodeID)) { try gate.admit(datagram, senderKey: { _ in nil }).get() }
        // A key registered under the sender's id that is not the sender's key: refused.
        let impostor = NodeIdentity.generate().publicKey
        #expect(throws: EnvelopeRejection.badSignature) { try gate.admit(datagram, senderKey: { _ in impostor }).get() }
    }

    @Test func forgedSignatureDoesNotMoveTheWindow() throws {
        var gate = EnvelopeGate()
        var forged = try sealed([7], sequence: 50)
        forged[forged.count - 1] ^= 1
        #expect(throws: EnvelopeRejection.badSignature) { try gate.admit(forged, senderKey: { keys[$0] }).get() }
        // The genuine envelope with the same sequence number is still fresh.
        _ = try gate.admit(try sealed([7], sequence: 50), senderKey: { keys[$0] }).get()
    }

    @Test func oversizedPayloadCannotBeSealedOrAdmitted() throws {
        #expect(throws: WireError.self) { try sealed([UInt8](repeating: 0, count: 1400), sequence: 1) }
        let big = try SignedEnvelope.seal(payload: [UInt8](repeating: 0, count: 1400), incarnation: 1, sequence: 1, identity: sender, maxSize: 2000)
        var gate = EnvelopeGate()
        let result = gate.admit(big, senderKey: { keys[$0] })
        #expect(throws: EnvelopeRejection.malformed(.tooLarge(size: big.count, limit: 1400))) { try result.get() }
        #expect(EnvelopeRejection.malformed(.tooLarge(size: 1, limit: 0)).reason == "oversized")
    }

    @Test func sealerNumbersEveryDatagram() throws {
        var sealer = EnvelopeSealer(identity: sender, incarnation: 4)
        var gate = EnvelopeGate()
        for expected in 0..<20 as Range<UInt64> {
            let envelope = try gate.admit(try sealer.seal([UInt8(expected)]), senderKey: { keys[$0] }).get()
            #expect(envelope.sequence == expected)
            #expect(envelope.incarnation == 4)
        }
    }
}
