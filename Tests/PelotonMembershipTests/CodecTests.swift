import PelotonCore
import PelotonCrypto
@testable import PelotonMembership
import PelotonWire
import Testing

@Suite struct MembershipCodecTests {
    static let metadata = try! MemberMetadata(httpAddress: "127.0.0.1:8080", services: [.init(name: "kv", version: "2.1", replicas: 3)], tags: ["zone": "b", "rack": "7"])
    static let address = try! NodeAddress(host: "10.0.0.1", port: 7946)
    static let a = NodeID(high: 1, low: 2)
    static let b = NodeID(high: 3, low: 4)
    static let updates: [MembershipUpdate] = [
        .alive(id: a, incarnation: 300, address: address, metadata: metadata),
        .alive(id: a, incarnation: 301, address: address, metadata: nil),
        .suspect(id: a, incarnation: 1, from: b), .dead(id: b, incarnation: 0, from: a), .left(id: b, incarnation: .max),
    ]
    static let messages: [MembershipMessage] = [
        .ping(sequence: 1, target: a, updates: updates), .ack(sequence: .max, updates: []), .nack(sequence: 9, updates: updates),
        .pingRequest(sequence: 4, target: b, targetAddress: address, updates: updates), .gossip(updates: updates),
        .pushPull(isReply: true, isJoin: false, members: [
            MemberState(id: a, address: address, incarnation: 5, status: .suspect, metadata: metadata),
            MemberState(id: b, address: try! NodeAddress(host: "::1", port: 1), incarnation: 0, status: .left, metadata: .empty),
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
        bytes[0] = 2
        #expect(throws: WireError.unsupportedVersion(field: "membership", version: 2)) { try MembershipMessage(wireBytes: bytes) }
        bytes[0] = 1
        bytes[1] = 99
        #expect(throws: WireError.unknownTag(field: "membership", tag: 99)) { try MembershipMessage(wireBytes: bytes) }
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
