import PelotonCore
import PelotonCrypto
import PelotonWire
import Testing

@Suite struct CodecTests {
    @Test func varintsRoundTripAtEveryWidth() throws {
        var random = SeededRandom(seed: 1)
        var values: [UInt64] = [0, 1, 127, 128, 16_383, 16_384, .max, .max - 1]
        for shift in 0..<64 { values.append(random.next() >> UInt64(shift)) }
        for value in values {
            var writer = WireWriter()
            writer.writeVarUInt(value)
            #expect(writer.count == WireWriter.varUIntSize(value))
            var reader = WireReader(bytes: writer.bytes)
            #expect(try reader.readVarUInt("v") == value)
            try reader.expectEnd()
        }
    }

    @Test func nonMinimalAndOverflowingVarintsAreRefused() {
        let cases: [[UInt8]] = [
            [0x80, 0x00],  // zero in two bytes
            [0xff, 0x80, 0x00],  // padded
            [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02],  // 2^64 and beyond
            [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01],  // 11 bytes
        ]
        for bytes in cases {
            var reader = WireReader(bytes: bytes)
            #expect(throws: WireError.malformedVarint(field: "v")) { try reader.readVarUInt("v") }
        }
        var reader = WireReader(bytes: [0x80])
        #expect(throws: WireError.truncated(field: "v", needed: 1, available: 0)) { try reader.readVarUInt("v") }
    }

    @Test func lengthsPastTheEndAndOverLimitsAreTypedErrors() {
        var pastEnd = WireReader(bytes: [5, 1, 2])
        #expect(throws: WireError.truncated(field: "b", needed: 5, available: 2)) { try pastEnd.readBytes("b", limit: 10) }
        var overLimit = WireReader(bytes: [0xff, 0x7f])
        #expect(throws: WireError.lengthExceedsLimit(field: "b", length: 16_383, limit: 64)) { try overLimit.readBytes("b", limit: 64) }
        var badUTF8 = WireReader(bytes: [2, 0xc3, 0x28])
        #expect(throws: WireError.invalidUTF8(field: "s")) { try badUTF8.readString("s", limit: 8) }
        var hugeArray = WireReader(bytes: [0x90, 0x4e])  // claims 10,000 elements, has none
        #expect(throws: WireError.self) { try hugeArray.readArray("a", limit: 100_000) { reader throws(WireError) in try reader.readUInt8("e") } }
        var badBool = WireReader(bytes: [2])
        #expect(throws: WireError.invalidValue(field: "f", reason: "boolean byte 2")) { try badBool.readBool("f") }
        #expect(throws: WireError.trailingBytes(count: 1)) { try WireReader(bytes: [1]).expectEnd() }
    }

    @Test func unknownVersionsAreRefused() throws {
        let identity = NodeIdentity.generate()
        var envelope = try SignedEnvelope.seal(payload: [1], incarnation: 1, sequence: 1, identity: identity)
        envelope[0] = 2
        #expect(throws: WireError.unsupportedVersion(field: "envelope", version: 2)) { try SignedEnvelope.decode(envelope) }
        var certificate = try Authority.generate().issueCertificate(for: identity.publicKey, name: "x", notAfter: 1).wireBytes
        certificate[0] = 9
        #expect(throws: WireError.unsupportedVersion(field: "certificate", version: 9)) { try NodeCertificate(wireBytes: certificate) }
    }

    @Test func everyTruncationOfAValidEncodingIsATypedError() throws {
        let identity = NodeIdentity.generate()
        let envelope = try SignedEnvelope.seal(payload: Array("payload".utf8), incarnation: 300, sequence: 7, identity: identity)
        let certificate = try Authority.generate().issueCertificate(for: identity.publicKey, name: "node", notAfter: 99).wireBytes
        #expect(try SignedEnvelope.decode(envelope).payload == Array("payload".utf8))
        for length in 0..<envelope.count {
            #expect(throws: WireError.self) { try SignedEnvelope.decode(Array(envelope.prefix(length))) }
        }
        for length in 0..<certificate.count {
            #expect(throws: WireError.self) { try NodeCertificate(wireBytes: certificate.prefix(length)) }
        }
        #expect(throws: WireError.trailingBytes(count: 1)) { try SignedEnvelope.decode(envelope + [0]) }
    }

    /// 100,000 seeded random inputs per decoder, half pure noise and half mutations of valid
    /// encodings (which get much further into the decoders). None may crash; any that decodes
    /// must re-encode to exactly its input (one encoding per value).
    @Test func randomAndMutatedInputsNeverCrash() throws {
        var random = SeededRandom(seed: 0x5EED)
        let identity = NodeIdentity.generate()
        let validEnvelope = try SignedEnvelope.seal(payload: Array("hello".utf8), incarnation: 5, sequence: 42, identity: identity)
        let validCertificate = try Authority.generate().issueCertificate(for: identity.publicKey, name: "node-a", notAfter: 1).wireBytes
        var decodedEnvelopes = 0
        for round in 0..<100_000 {
            let input = round % 2 == 0
                ? randomBytes(&random)
                : mutate(round % 4 == 1 ? validEnvelope : validCertificate, &random)
            if let envelope = try? SignedEnvelope.decode(input) {
                decodedEnvelopes += 1
                #expect(!envelope.hasValidSignature(from: identity.publicKey) || input == validEnvelope)
            }
            if let certificate = try? NodeCertificate(wireBytes: input) {
                #expect(certificate.wireBytes == input)
            }
        }
        // The mutations must reach past the first checks, or this test proves little.
        #expect(decodedEnvelopes > 100)
    }

    private func randomBytes(_ random: inout SeededRandom) -> [UInt8] {
        (0..<Int.random(in: 0..<200, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
    }

    private func mutate(_ valid: [UInt8], _ random: inout SeededRandom) -> [UInt8] {
        var bytes = valid
        for _ in 0..<Int.random(in: 1...4, using: &random) {
            switch Int.random(in: 0..<4, using: &random) {
            case 0 where !bytes.isEmpty:
                bytes[Int.random(in: 0..<bytes.count, using: &random)] ^= 1 << UInt8.random(in: 0..<8, using: &random)
            case 1 where !bytes.isEmpty:
                bytes[Int.random(in: 0..<bytes.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
            case 2:
                bytes = Array(bytes.prefix(Int.random(in: 0...bytes.count, using: &random)))
            default:
                bytes.insert(UInt8.random(in: 0...255, using: &random), at: Int.random(in: 0...bytes.count, using: &random))
            }
        }
        return bytes
    }
}
