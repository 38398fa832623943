import PelotonCore
import PelotonCrypto
@testable import PelotonMembership
import Testing

@Suite struct ProbeTests {
    /// Runs node 0's timers until it sends its first ping, and returns it.
    private func firstPing(_ cluster: inout Cluster) -> (sequence: UInt32, target: NodeID, address: NodeAddress) {
        for _ in 0..<100 {
            let due = cluster.nodes[0].nextDeadline
            cluster.now = due
            for (message, address) in cluster.nodes[0].tick(at: due).sends {
                if case let .ping(sequence, target, _) = message { return (sequence, target, address) }
            }
        }
        Issue.record("no ping in 100 ticks")
        return (0, NodeID(high: 0, low: 0), Cluster.address(0))
    }

    @Test func ackedProbeLowersHealthAndRaisesNoSuspicion() {
        var cluster = Cluster(count: 4)
        cluster.nodes[0].localHealth = 2
        let ping = firstPing(&cluster)
        guard let targetIndex = cluster.index(of: ping.address) else { Issue.record("unknown address"); return }
        #expect(Cluster.id(targetIndex) == ping.target)
        let reply = cluster.nodes[targetIndex].receive(
            .ping(sequence: ping.sequence, target: ping.target, updates: []), from: Cluster.id(0), address: Cluster.address(0), at: cluster.now)
        guard case let .ack(sequence, _)? = reply.sends.first?.0 else { Issue.record("no ack"); return }
        #expect(sequence == ping.sequence)
        _ = cluster.nodes[0].receive(.ack(sequence: sequence, updates: []), from: ping.target, address: ping.address, at: cluster.now)
        #expect(cluster.nodes[0].localHealth == 1)
        #expect(cluster.nodes[0].probe == nil)
    }

    @Test func pingForAnotherIdentityIsNotAnswered() {
        var cluster = Cluster(count: 2)
        let reply = cluster.nodes[1].receive(.ping(sequence: 1, target: Cluster.id(9), updates: []), from: Cluster.id(0), address: Cluster.address(0), at: .zero)
        #expect(reply.sends.isEmpty)
        #expect(cluster.nodes[1].counters.messagesIgnored == 1)
    }

    @Test func silentTargetGetsIndirectProbesThenSuspicion() {
        var cluster = Cluster(count: 6)
        let ping = firstPing(&cluster)
        // No ack: at the probe timeout node 0 asks 3 others.
        let timeout = cluster.now + .milliseconds(500)
        #expect(cluster.nodes[0].nextDeadline <= timeout)
        let requests = cluster.nodes[0].tick(at: timeout).sends.filter {
            if case .pingRequest = $0.0 { return true } else { return false }
        }
        #expect(requests.count == 3)
        #expect(!requests.contains { $0.1 == ping.address })
        // One relay answers with a nack, the other two stay silent: health rises by two.
        _ = cluster.nodes[0].receive(.nack(sequence: ping.sequence, updates: []), from: Cluster.id(1), address: Cluster.address(1), at: timeout)
        // Nothing is declared before the probe period ends.
        #expect(!cluster.nodes[0].tick(at: cluster.now + .milliseconds(999)).events.contains { $0.status == .suspect })
        let end = cluster.now + .seconds(1)
        let effects = cluster.nodes[0].tick(at: end)
        #expect(effects.events.contains { $0.member == ping.target && $0.status == .suspect })
        #expect(cluster.nodes[0].localHealth == 2)
        #expect(cluster.nodes[0].counters.suspicionsRaised == 1)
    }

    @Test func relayForwardsAckAndNacksWhenTheTargetIsSilent() {
        var cluster = Cluster(count: 3)
        let effects = cluster.nodes[1].receive(
            .pingRequest(sequence: 77, target: Cluster.id(2), targetAddress: Cluster.address(2), updates: []),
            from: Cluster.id(0), address: Cluster.address(0), at: .zero)
        guard case let (.ping(relaySequence, target, _), to)? = effects.sends.first else { Issue.record("relay sent no ping"); return }
        #expect(target == Cluster.id(2) && to == Cluster.address(2))
        // Silent target: a nack goes back at 80% of the probe timeout.
        #expect(!cluster.nodes[1].tick(at: Instant.zero + .milliseconds(399)).sends.contains { if case .nack = $0.0 { true } else { false } })
        let nackTime = Instant.zero + .milliseconds(400)
        let nack = cluster.nodes[1].tick(at: nackTime).sends
        #expect(nack.contains { if case .nack(77, _) = $0.0 { $0.1 == Cluster.address(0) } else { false } })
        // A late ack is still forwarded under the requester's sequence number.
        let forwarded = cluster.nodes[1].receive(.ack(sequence: relaySequence, updates: []), from: Cluster.id(2), address: Cluster.address(2), at: nackTime)
        #expect(forwarded.sends.contains { if case .ack(77, _) = $0.0 { $0.1 == Cluster.address(0) } else { false } })
    }

    @Test func suspectHearsOfItsSuspicionFirst() {
        var cluster = Cluster(count: 3)
        var effects: [MembershipEffect] = []
        cluster.nodes[0].apply(Cluster.signed(.suspect(id: Cluster.id(1), incarnation: 0, from: Cluster.id(2))), at: .zero, into: &effects)
        let updates = cluster.nodes[0].piggyback(for: Cluster.id(1))
        // The accusation as its accuser signed it, so the suspect can tell who accused it.
        #expect(updates.first?.update == .suspect(id: Cluster.id(1), incarnation: 0, from: Cluster.id(2)))
        // Delivered, it makes the suspect refute.
        _ = cluster.nodes[1].receive(.ping(sequence: 1, target: Cluster.id(1), updates: updates), from: Cluster.id(0), address: Cluster.address(0), at: .zero)
        #expect(cluster.nodes[1].incarnation == 1)
    }

    @Test func probesVisitEveryMemberOncePerPass() {
        var cluster = Cluster(count: 9)
        var targets: [NodeID] = []
        for _ in 0..<16 {
            let ping = firstPing(&cluster)
            targets.append(ping.target)
            _ = cluster.nodes[0].receive(.ack(sequence: ping.sequence, updates: []), from: ping.target, address: ping.address, at: cluster.now)
        }
        #expect(Set(targets.prefix(8)).count == 8)
        #expect(Set(targets.suffix(8)).count == 8)
    }
}
