import Foundation
import PelotonCore
import PelotonCrypto

extension Membership {
    /// Runs every timer that is due at `now`.
    public mutating func tick(at now: Instant) -> [MembershipEffect] {
        var effects: [MembershipEffect] = []
        expireSuspicions(at: now, into: &effects)
        serviceRelays(at: now, into: &effects)
        if !isLeaving {
            advanceProbe(at: now, into: &effects)
            if now >= nextPushPullAt { pushPull(at: now, into: &effects) }
            if now >= nextReconnectAt { reconnect(at: now, into: &effects) }
            retryJoin(at: now, into: &effects)
        }
        if now >= nextGossipAt { gossip(at: now, into: &effects) }
        return effects
    }

    /// Leaves gracefully: stops probing, announces `left`, and keeps gossiping it until the
    /// shell stops the node (a few gossip intervals is enough).
    public mutating func leave(at now: Instant) -> [MembershipEffect] {
        guard !isLeaving else { return [] }
        isLeaving = true
        probe = nil
        selfClaim = signed(.left(id: localID, incarnation: incarnation))
        queue.enqueue(selfClaim)
        nextGossipAt = now
        return tick(at: now)
    }

    /// Publishes new metadata (services, addresses, tags) under a new incarnation.
    public mutating func updateMetadata(_ metadata: MemberMetadata) {
        self.metadata = metadata
        incarnation += 1
        selfClaim = signed(.alive(id: localID, incarnation: incarnation, address: localAddress, metadata: metadata))
        selfMetadataClaim = selfClaim
        queue.enqueue(selfClaim)
    }

    // MARK: - Probing

    private mutating func advanceProbe(at now: Instant, into effects: inout [MembershipEffect]) {
        if var current = probe {
            if !current.indirectSent && now >= current.directDeadline {
                sendPingRequests(for: &current, into: &effects)
                probe = current
            }
            if now >= current.periodDeadline {
                probeFailed(current, at: now, into: &effects)
                probe = nil
            }
        }
        if probe == nil && now >= nextProbeAt { startProbe(at: now, into: &effects) }
    }

    private mutating func startProbe(at now: Instant, into effects: inout [MembershipEffect]) {
        let interval = settings.probeInterval.scaled(by: healthMultiplier)
        nextProbeAt = now + interval
        guard let target = nextProbeTarget() else { return }
        let sequence = nextSequence()
        probe = Probe(
            target: target.id, sequence: sequence,
            directDeadline: now + settings.probeTimeout.scaled(by: healthMultiplier), periodDeadline: now + interval)
        counters.probesSent += 1
        effects.append(.send(.ping(sequence: sequence, target: target.id, updates: piggyback(for: target.id)), to: target.address))
    }

    /// Round-robin over a shuffled list, reshuffled each pass (SWIM's time-bounded completeness).
    private mutating func nextProbeTarget() -> Member? {
        for _ in 0..<2 {
            while probeCursor < probeOrder.count {
                let id = probeOrder[probeCursor]
                probeCursor += 1
                if let member = members[id], member.status.isActive { return member }
            }
            probeOrder = members.filter(\.status.isActive).map(\.id)
            probeOrder.shuffle(using: &random)
            probeCursor = 0
        }
        return nil
    }

    private mutating func sendPingRequests(for current: inout Probe, into effects: inout [MembershipEffect]) {
        current.indirectSent = true
        guard let target = members[current.target] else { return }
        let relays = randomMembers(settings.indirectChecks) { $0.status == .alive && $0.id != target.id }
        current.expectedNacks = relays.count
        for relay in relays {
            counters.pingRequestsSent += 1
            let request = MembershipMessage.pingRequest(
                sequence: current.sequence, target: target.id, targetAddress: target.address, updates: piggyback(for: relay.id))
            effects.append(.send(request, to: relay.address))
        }
    }

    private mutating func probeFailed(_ failed: Probe, at now: Instant, into effects: inout [MembershipEffect]) {
        counters.probesFailed += 1
        // Lifeguard: missing nacks mean this node's own network or CPU is the problem.
        adjustHealth(by: failed.expectedNacks > 0 ? max(0, failed.expectedNacks - failed.nacks) : 1)
        guard let target = members[failed.target], target.status.isActive else { return }
        suspect(target.id, incarnation: target.incarnation, at: now, into: &effects)
    }

    private mutating func serviceRelays(at now: Instant, into effects: inout [MembershipEffect]) {
        guard !relays.isEmpty else { return }
        for sequence in relays.keys.sorted() {
            guard var relay = relays[sequence] else { continue }
            if now >= relay.expiresAt {
                relays[sequence] = nil
            } else if !relay.nackSent && now >= relay.nackAt {
                relay.nackSent = true
                relays[sequence] = relay
                effects.append(.send(.nack(sequence: relay.requesterSequence, updates: piggyback(for: nil)), to: relay.requester))
            }
        }
    }

    private mutating func expireSuspicions(at now: Instant, into effects: inout [MembershipEffect]) {
        guard !suspicions.isEmpty else { return }
        let expired = suspicions.filter { $0.value.deadline <= now }.map(\.key).sorted()
        for id in expired {
            // Cleared first: whatever applyDead decides, this timer must not fire again.
            guard let suspicion = suspicions.removeValue(forKey: id) else { continue }
            counters.membersDeclaredDead += 1
            declareDead(id, incarnation: suspicion.incarnation, at: now, into: &effects)
        }
    }

    // MARK: - Gossip and anti-entropy

    private mutating func gossip(at now: Instant, into effects: inout [MembershipEffect]) {
        nextGossipAt = now + settings.gossipInterval
        guard !queue.isEmpty else { return }
        let deadWindow = settings.gossipToTheDeadTime
        let targets = randomMembers(settings.gossipNodes) { member in
            member.status.isActive || (member.status == .dead && now - member.statusChangedAt < deadWindow)
        }
        for target in targets {
            let updates = piggyback(for: target.id)
            guard !updates.isEmpty else { break }
            effects.append(.send(.gossip(updates: updates), to: target.address))
        }
    }

    /// memberlist scales the push-pull interval with log2 of the mesh size beyond 32 nodes,
    /// so anti-entropy traffic per node stays flat as the mesh grows.
    var scaledPushPullInterval: Duration {
        let nodes = Double(estimatedNodeCount)
        guard nodes > 32 else { return settings.pushPullInterval }
        return settings.pushPullInterval.scaled(by: (log2(nodes) - log2(32)).rounded(.up) + 1)
    }

    private mutating func pushPull(at now: Instant, into effects: inout [MembershipEffect]) {
        nextPushPullAt = now + scaledPushPullInterval
        reapDeadMembers(at: now)
        guard let peer = randomMembers(1, where: { $0.status == .alive }).first else { return }
        counters.pushPullsSent += 1
        effects.append(.send(.pushPull(isReply: false, isJoin: false, members: fullState), to: peer.address))
    }

    /// Serf's reconnect: now and then exchange state with a member we think dead, with
    /// probability dead/(alive+dead). After a partition heals this is what merges the halves.
    private mutating func reconnect(at now: Instant, into effects: inout [MembershipEffect]) {
        nextReconnectAt = now + settings.reconnectInterval
        let deadCount = members.count - activeCount - leftCount
        guard deadCount > 0, random.chance(Double(deadCount) / Double(deadCount + activeCount + 1)) else { return }
        guard let peer = randomMembers(1, where: { $0.status == .dead }).first else { return }
        counters.pushPullsSent += 1
        effects.append(.send(.pushPull(isReply: false, isJoin: false, members: fullState), to: peer.address))
    }

    /// While this node knows no alive member, keep trying the seeds with exponential backoff.
    private mutating func retryJoin(at now: Instant, into effects: inout [MembershipEffect]) {
        guard !seeds.isEmpty else { return }
        if activeCount > 0 {
            nextJoinAttemptAt = nil
            joinBackoff = settings.joinRetryInitial
            return
        }
        guard let due = nextJoinAttemptAt else {
            nextJoinAttemptAt = now + joinBackoff
            return
        }
        guard now >= due else { return }
        for seed in seeds {
            counters.pushPullsSent += 1
            effects.append(.send(.pushPull(isReply: false, isJoin: true, members: fullState), to: seed))
        }
        nextJoinAttemptAt = now + joinBackoff
        joinBackoff = min(joinBackoff.scaled(by: 2), settings.joinRetryMaximum)
    }

    private mutating func reapDeadMembers(at now: Instant) {
        let expired = members.filter { !$0.status.isActive && now - $0.statusChangedAt >= settings.deadMemberRetention }
        for member in expired { remove(member.id) }
    }
}
