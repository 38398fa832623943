import PelotonCore
import PelotonCrypto
@testable import PelotonMembership
import PelotonWire
import Testing

@Suite struct DisseminationTests {
    private func alive(_ index: Int, incarnation: UInt64 = 0) -> SignedClaim { Cluster.alive(index, incarnation: incarnation) }

    @Test func eachUpdateIsSentExactlyLimitTimes() {
        var queue = DisseminationQueue()
        for index in 0..<5 { queue.enqueue(alive(index)) }
        var sent: [NodeID: Int] = [:]
        for _ in 0..<20 {
            for update in queue.take(budget: 10_000, limit: 3) { sent[update.subject, default: 0] += 1 }
        }
        #expect(sent.count == 5)
        #expect(sent.values.allSatisfy { $0 == 3 })
        #expect(queue.isEmpty)
    }

    @Test func leastSentGoFirstAndBudgetIsRespected() {
        var queue = DisseminationQueue()
        for index in 0..<3 { queue.enqueue(alive(index)) }
        _ = queue.take(budget: 10_000, limit: 10)
        queue.enqueue(alive(9))
        let size = alive(9).encodedSize
        #expect(queue.take(budget: size, limit: 10) == [alive(9)])
        #expect(queue.take(budget: 0, limit: 10).isEmpty)
    }

    @Test func newerUpdateReplacesOlderAboutTheSameMember() {
        var queue = DisseminationQueue()
        queue.enqueue(alive(1, incarnation: 1))
        queue.enqueue(Cluster.signed(.suspect(id: Cluster.id(1), incarnation: 1, from: Cluster.id(7))))
        let taken = queue.take(budget: 10_000, limit: 5)
        #expect(taken.count == 1)
        if case .suspect = taken.first?.update {} else { Issue.record("expected the suspect update, got \(taken)") }
    }

    /// A full queue of the largest updates still packs into one datagram: budget is enforced.
    @Test func piggybackNeverExceedsTheDatagram() throws {
        var cluster = Cluster(count: 2)
        let bigMetadata = try MemberMetadata(
            httpAddress: String(repeating: "h", count: 100),
            services: (0..<6).map { .init(name: String(repeating: "s", count: 30) + "\($0)", version: "1.0.0") })
        let identity = NodeIdentity.generate()
        for index in 0..<200 {
            // Signatures are not checked on the way out; the claims only need their real size.
            let update = MembershipUpdate.alive(
                id: NodeID(high: UInt64(index + 100), low: 0), incarnation: 0,
                address: try NodeAddress(host: String(repeating: "a", count: 200), port: 1), metadata: bigMetadata)
            cluster.nodes[0].queue.enqueue(SignedClaim(signing: update, as: identity))
        }
        let updates = cluster.nodes[0].piggyback(for: Cluster.id(1))
        #expect(!updates.isEmpty)
        let message = MembershipMessage.pingRequest(
            sequence: .max, target: Cluster.id(1), targetAddress: try NodeAddress(host: String(repeating: "t", count: 255), port: 1), updates: updates)
        #expect(message.wireBytes.count <= MembershipSettings().maxMessageBytes)
        _ = try SignedEnvelope.seal(payload: message.wireBytes, incarnation: .max, sequence: .max, identity: identity)
    }
}
