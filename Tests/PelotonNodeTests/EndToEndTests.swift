import Foundation
import NIOCore
import NIOPosix
import PelotonCrypto
import PelotonProcessMesh
import PelotonMembership
import PelotonNode
import PelotonWire
import Testing

/// Real `peloton node` processes on loopback. Bounds are generous: the machine is shared with
/// the simulator tests, and these check behaviour, not speed (that is `Tools/bench`).
@Suite(.serialized) struct EndToEndTests {
    @Test(.timeLimit(.minutes(2))) func fiveNodesJoinThroughOneSeedDetectACrashAndTakeTheNodeBack() async throws {
        let mesh = try ProcessMesh()
        try mesh.start("n0")
        for index in 1..<5 { try mesh.start("n\(index)", seed: 0) }
        let joined = await mesh.waitUntil(seconds: 30) {
            for index in 0..<5 {
                guard let view = await mesh.members(of: index), view.members.filter({ $0.status == "alive" }).count == 5 else { return false }
            }
            return true
        }
        #expect(joined, "the five nodes did not all see five alive members\n\(mesh.logs())")
        guard joined else { return }
        let before = await mesh.members(of: 0)?.members.first { $0.name == "n3" }?.incarnation ?? 0

        mesh.kill(3)
        let declaredDead = await mesh.waitUntil(seconds: 30) {
            for index in [0, 1, 2, 4] where await mesh.status(of: "n3", seenBy: index) != "dead" { return false }
            return true
        }
        #expect(declaredDead, "a killed node was not declared dead by every other node\n\(mesh.logs())")

        try mesh.launch(3, seed: 0)
        let rejoined = await mesh.waitUntil(seconds: 30) {
            for index in 0..<5 {
                guard let n3 = await mesh.members(of: index)?.members.first(where: { $0.name == "n3" }),
                      n3.status == "alive", n3.incarnation > before else { return false }
            }
            return true
        }
        #expect(rejoined, "the restarted node did not come back alive at a higher incarnation everywhere\n\(mesh.logs())")

        // A graceful stop is seen as a leave, not a death.
        mesh.kill(4, signal: SIGTERM)
        let left = await mesh.waitUntil(seconds: 15) { await mesh.status(of: "n4", seenBy: 0) == "left" }
        #expect(left, "SIGTERM did not make the node leave\n\(mesh.logs())")
    }

    /// Each node joins through the one before it, so most first hear of each other from a third
    /// node's gossip, or from a datagram whose sender they cannot authenticate yet; the
    /// authenticated state exchange that such a datagram triggers must bring them together.
    @Test(.timeLimit(.minutes(1))) func nodesJoiningThroughDifferentSeedsConverge() async throws {
        let mesh = try ProcessMesh()
        try mesh.start("c0")
        for index in 1..<4 {
            _ = await mesh.waitUntil(seconds: 10) { await mesh.health(of: index - 1) != nil }
            try mesh.start("c\(index)", seed: index - 1)
        }
        let converged = await mesh.waitUntil(seconds: 20) {
            await mesh.aliveCounts(seenBy: Array(0..<4)).allSatisfy { $0 == 4 }
        }
        #expect(converged, "\(mesh.logs())")
    }

    @Test(.timeLimit(.minutes(1))) func aNodeCertifiedByAnotherAuthorityIsRefused() async throws {
        let mesh = try ProcessMesh()
        try mesh.start("member")
        try mesh.start("stranger", seed: 0, authority: "other")
        // Give the stranger several join attempts.
        try await Task.sleep(for: .seconds(4))
        #expect(await mesh.members(of: 0)?.members.count == 1, "\(mesh.logs())")
        #expect(await mesh.members(of: 1)?.members.count == 1, "\(mesh.logs())")
        let metrics = await mesh.metrics(of: 0)
        #expect(metrics.contains("peloton_dropped_total{reason=\"handshake_certificate\"}"), "\(metrics)")
    }

    @Test(.timeLimit(.minutes(1))) func forgedAndMalformedDatagramsChangeNothing() async throws {
        let mesh = try ProcessMesh()
        try mesh.start("a")
        try mesh.start("b", seed: 0)
        let joined = await mesh.waitUntil(seconds: 20) { await mesh.members(of: 0)?.members.filter { $0.status == "alive" }.count == 2 }
        #expect(joined, "\(mesh.logs())")
        guard joined, let bID = await mesh.health(of: 1)?.id, let impersonated = NodeID(hex: bID) else { return }

        // A gossip message announcing a member that does not exist.
        let intruder = NodeIdentity.generate()
        let fake = MembershipUpdate.alive(
            id: intruder.nodeID, incarnation: 1, address: try NodeAddress(host: "127.0.0.1", port: 9), metadata: .empty)
        let payload = MembershipMessage.gossip(updates: [SignedClaim(signing: fake, as: intruder)]).wireBytes
        let unknownSender = try SignedEnvelope.seal(payload: payload, incarnation: 1, sequence: 1, identity: intruder)
        // The same, claiming to come from b, numbered ahead of b's own datagrams so only the
        // signature can give it away.
        var impostor = try SignedEnvelope.seal(payload: payload, incarnation: 1, sequence: 1_000_000, identity: intruder)
        impostor.replaceSubrange(1..<(1 + NodeID.byteCount), with: impersonated.bytes)
        let datagrams: [[UInt8]] = [
            unknownSender, impostor, [], [1], [UInt8](repeating: 0xff, count: 64), [UInt8](repeating: 0x01, count: 1800),
        ]
        try await send(datagrams, to: mesh.nodes[0].gossipPort)
        try await Task.sleep(for: .seconds(1))

        let view = await mesh.members(of: 0)
        #expect(view?.members.count == 2)
        #expect(view?.members.allSatisfy { $0.status == "alive" } == true)
        let metrics = await mesh.metrics(of: 0)
        for reason in ["unknown_sender", "bad_signature", "malformed", "oversized"] {
            #expect(metrics.contains("peloton_dropped_total{reason=\"\(reason)\"}"), "no \(reason) drop counted:\n\(metrics)")
        }
        #expect(await mesh.health(of: 0)?.status == "ok")
    }

    @Test(.timeLimit(.minutes(1))) func aRevokedNodeIsExcludedEverywhereAndStaysOut() async throws {
        let mesh = try ProcessMesh()
        try mesh.start("a")
        try mesh.start("b", seed: 0)
        try mesh.start("c", seed: 0)
        let joined = await mesh.waitUntil(seconds: 20) {
            for index in 0..<3 where await mesh.members(of: index)?.members.filter({ $0.status == "alive" }).count != 3 { return false }
            return true
        }
        #expect(joined, "\(mesh.logs())")
        guard joined, let cID = await mesh.health(of: 2)?.id else { return }

        #expect(try mesh.revoke(cID, via: 0) == 0)

        // Only a told b; b hears it by gossip.
        let excluded = await mesh.waitUntil(seconds: 15) {
            for index in 0..<2 where await mesh.status(of: "c", seenBy: index) != "dead" { return false }
            return true
        }
        #expect(excluded, "\(mesh.logs())")
        // c keeps running and keeps trying; it must stay out.
        try await Task.sleep(for: .seconds(3))
        for index in 0..<2 { #expect(await mesh.status(of: "c", seenBy: index) == "dead") }
    }

    private func send(_ datagrams: [[UInt8]], to port: Int) async throws {
        let channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
        let destination = try SocketAddress(ipAddress: "127.0.0.1", port: port)
        for datagram in datagrams {
            try await channel.writeAndFlush(AddressedEnvelope(remoteAddress: destination, data: ByteBuffer(bytes: datagram))).get()
        }
        try await channel.close().get()
    }
}
