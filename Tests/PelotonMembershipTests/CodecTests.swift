import PelotonCore
import PelotonCrypto
@testable import PelotonMembership
import PelotonWire
import Testing

@Suite struct MembershipCodecTests {
    static let metadata = try! MemberMetadata(
        httpAddress: "127.0.0.1:8080", services: [.init(name: "kv", version: "2.1", replicas: 3)], tags: ["zone": "b", "rack": "7"],
        credential: Cluster.credentials[1])
    static let address = try! NodeAddress(host: "10.0.0.1", port: 7946)
    static let a = Cluster.id(1)
    static let b = Cluster.id(2)
    static let updates: [SignedClaim] = [
        .alive(id: a, incarnation: 300, address: address, metadata: metadata),
        .alive(id: a, incarnation: 301, address: address, metadata: nil),
        .suspect(id: a, incarnation: 1, from: b), .dead(id: b, incarnation: 0, from: a),
        .left(id: b, incarnation: MembershipUpdate.maxIncarnation),
    ].map(Cluster.signed)
    static let messages: [MembershipMessage] = [
        .ping(sequence: 1, target: a, updates: updates), .ack(sequence: .max, updates: []), .nack(sequence: 9, updates: updates),
        .pingRequest(sequence: 4, target: b, targetAddress: address, updates: updates), .gossip(updates: updates),
        .pushPull(isReply: true, isJoin: false, members: [
            MemberState(metadataClaim: updates[0], statusClaim: Cluster.signed(.suspect(id: a, incarnation: 300, from: b)))!,
            MemberState(metadataClaim: Cluster.alive(2), statusClaim: updates[4])!,
            MemberState(metadataClaim: Cluster.alive(3), statusClaim: nil)!,
        ]),
    ]

    @Test(arguments: messages)
    func everyMessageRoundTripsAndKnowsItsSize(message: MembershipMessage) throws {
        let bytes = message.wireBytes
        #expect(try MembershipMessage(wireBytes: bytes) == message)
        #expect(message.encodedSize == bytes.count)
        for length in 0..<bytes.count {
            #expect(throws: WireError.self) { try MembershipMessage(wireBytes: bytes.prefix(length)) }
        }
    }

    @Test func unknownVersionAndTagAreRefused() {
        var bytes = MembershipMessage.gossip(updates: []).wireBytes
        // Version 1 carried unsigned updates: refused, never read as claims.
        bytes[0] = 1
        #expect(throws: WireError.unsupportedVersion(field: "membership", version: 1)) { try MembershipMessage(wireBytes: bytes) }
        bytes[0] = 2
        bytes[1] = 99
        #expect(throws: WireError.unknownTag(field: "membership", tag: 99)) { try MembershipMessage(wireBytes: bytes) }
    }

    @Test func incarnationsNearOverflowAndStatesThatDoNotAddUpAreRefused() throws {
        var writer = WireWriter()
        writer.writeUInt8(4)  // left
        writer.writeNodeID(Self.a)
        writer.writeVarUInt(MembershipUpdate.maxIncarnation + 1)
        #expect(throws: WireError.self) { try MembershipUpdate(wireBytes: writer.bytes) }
        // A state's status claim must be about the member its alive claim is about.
        #expect(MemberState(metadataClaim: Cluster.alive(1), statusClaim: Cluster.signed(.left(id: Self.b, incarnation: 1))) == nil)
        // And its first claim must bring metadata: that is where the certificate is.
        #expect(MemberState(metadataClaim: Cluster.signed(.left(id: Self.b, incarnation: 1)), statusClaim: nil) == nil)
    }

    @Test func addressesParse() throws {
        #expect(try NodeAddress(parsing: "127.0.0.1:7946") == NodeAddress(host: "127.0.0.1", port: 7946))
        #expect(try NodeAddress(parsing: "[::1]:80").description == "[::1]:80")
        for bad in ["nohost", ":80", "host:99999", "host:"] {
            #expect(throws: WireError.self, "\(bad)") { try NodeAddress(parsing: bad) }
        }
    }

    /// 100,000 seeded inputs: noise and mutations of every valid message. Nothing crashes, and
    /// anything that decodes re-encodes to the same bytes.
    @Test func randomAndMutatedInputsNeverCrash() {
        var random = SeededRandom(seed: 0xFACADE)
        let valid = Self.messages.map(\.wireBytes)
        var decoded = 0
        for round in 0..<100_000 {
            var input: [UInt8]
            if round % 3 == 0 {
                input = (0..<Int.random(in: 0..<300, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
            } else {
                input = valid[round % valid.count]
                for _ in 0..<Int.random(in: 1...3, using: &random) where !input.isEmpty {
                    let position = Int.random(in: 0..<input.count, using: &random)
                    if random.chance(0.2) { input = Array(input.prefix(position)) } else { input[position] = UInt8.random(in: 0...255, using: &random) }
                }
            }
            if let message = try? MembershipMessage(wireBytes: input) {
                decoded += 1
                #expect(message.wireBytes == input)
            }
        }
        #expect(decoded > 1_000)
    }
}
