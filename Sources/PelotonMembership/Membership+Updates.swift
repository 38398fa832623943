import PelotonCore
import PelotonCrypto
import PelotonWire

extension Membership {
    /// Applies one claim with SWIM's precedence: alive(n) < suspect(n) < dead(n), and
    /// alive(n+1) overrides all of them. A claim heard from another member is checked only when
    /// it would change something (so a claim heard from many relayers costs one signature
    /// check) and believed only if its maker had the right to make it. Believed claims are
    /// passed on unchanged. (Claims this node makes itself go to `suspect` and `declareDead`.)
    mutating func apply(_ claim: SignedClaim, at now: Instant, into effects: inout [MembershipEffect]) {
        if claim.subject == localID {
            applyAboutSelf(claim, at: now, into: &effects)
            return
        }
        switch claim.update {
        case let .alive(id, incarnation, address, metadata):
            applyAlive(claim, id, incarnation, address, metadata, at: now, into: &effects)
        case let .suspect(id, incarnation, from):
            applySuspect(claim, id, incarnation, from: from, isOwn: false, at: now, into: &effects)
        case let .dead(id, incarnation, _):
            applyDead(claim, id, incarnation, status: .dead, isOwn: false, at: now, into: &effects)
        case let .left(id, incarnation):
            applyDead(claim, id, incarnation, status: .left, isOwn: false, at: now, into: &effects)
        }
    }

    /// Whether a claim from elsewhere checks out against the credential book; a rejection is
    /// counted and handed to the shell, which counts it by reason and logs who signed it.
    mutating func believes(_ claim: SignedClaim, at now: Instant, into effects: inout [MembershipEffect]) -> Bool {
        guard let rejection = rejection(of: claim, at: now) else { return true }
        counters.claimsRejected += 1
        effects.append(.rejectedClaim(claim, rejection))
        return false
    }

    /// Someone spoke about this node. Suspicion or death is refuted by raising the incarnation
    /// (unless leaving); an alive claim above our incarnation (a previous life) is outbid too.
    /// Refuting a suspicion sends no metadata (peers have this life's); refuting a death, a
    /// departure or a previous life's claim sends it all, since what peers keep may be a
    /// previous life's (its services, or the draining mark it left with). A forged claim about
    /// this node is not refuted: it was not believed anywhere either.
    private mutating func applyAboutSelf(_ claim: SignedClaim, at now: Instant, into effects: inout [MembershipEffect]) {
        let sendingMetadata: Bool
        switch claim.update {
        case .alive:
            guard claim.incarnation > incarnation else { return }
            sendingMetadata = true
        case .suspect:
            guard !isLeaving && claim.incarnation >= incarnation else { return }
            sendingMetadata = false
        case .dead, .left:
            guard !isLeaving && claim.incarnation >= incarnation else { return }
            sendingMetadata = true
        }
        guard believes(claim, at: now, into: &effects) else { return }
        refute(seen: claim.incarnation, sendingMetadata: sendingMetadata)
    }

    mutating func refute(seen: UInt64, sendingMetadata: Bool) {
        incarnation = max(incarnation, seen) + 1
        let alive = signed(.alive(id: localID, incarnation: incarnation, address: localAddress, metadata: sendingMetadata ? metadata : nil))
        selfClaim = alive
        if sendingMetadata { selfMetadataClaim = alive }
        queue.enqueue(alive)
        counters.refutations += 1
        // Lifeguard: being suspected hints that this node is the slow one; probe less eagerly.
        adjustHealth(by: 1)
    }

    private mutating func applyAlive(
        _ claim: SignedClaim, _ id: NodeID, _ incarnation: UInt64, _ address: NodeAddress, _ newMetadata: MemberMetadata?,
        at now: Instant, into effects: inout [MembershipEffect]
    ) {
        guard var member = members[id] else {
            // "Same metadata as before" about a stranger: nothing to go on yet.
            guard newMetadata != nil else {
                counters.messagesIgnored += 1
                return
            }
            guard believes(claim, at: now, into: &effects) else { return }
            add(Member(metadataClaim: claim, address: address, statusChangedAt: now))
            queue.enqueue(claim)
            effects.append(.event(MembershipEvent(member: id, status: .alive, incarnation: incarnation, isNew: true)))
            return
        }
        guard incarnation > member.incarnation, believes(claim, at: now, into: &effects) else { return }
        let previous = member.status
        member.incarnation = incarnation
        member.address = address
        member.claim = claim
        if newMetadata != nil { member.metadataClaim = claim }
        member.status = .alive
        if previous != .alive { member.statusChangedAt = now }
        store(member, previousStatus: previous)
        suspicions[id] = nil
        queue.enqueue(claim)
        effects.append(.event(MembershipEvent(member: id, status: .alive, incarnation: incarnation, isNew: false)))
    }

    mutating func applySuspect(
        _ claim: SignedClaim, _ id: NodeID, _ incarnation: UInt64, from accuser: NodeID, isOwn: Bool,
        at now: Instant, into effects: inout [MembershipEffect]
    ) {
        guard var member = members[id], incarnation >= member.incarnation, member.status.isActive else { return }
        if member.status == .suspect, incarnation == member.incarnation {
            // Lifeguard: an independent confirmation shortens the timeout; pass it on. Only a
            // signed accusation counts, so one member cannot fake a quorum of accusers.
            guard suspicions[id]?.wouldCount(accuser) == true, isOwn || believes(claim, at: now, into: &effects) else { return }
            if suspicions[id]?.confirm(by: accuser) == true { queue.enqueue(claim) }
            return
        }
        guard isOwn || believes(claim, at: now, into: &effects) else { return }
        let previous = member.status
        member.incarnation = incarnation
        member.status = .suspect
        member.statusChangedAt = now
        member.claim = claim
        store(member, previousStatus: previous)
        let minimum = Suspicion.minimumTimeout(
            multiplier: settings.suspicionMultiplier, nodes: estimatedNodeCount, probeInterval: settings.probeInterval)
        var expected = settings.suspicionMultiplier - 2
        if estimatedNodeCount - 2 < expected { expected = 0 }
        suspicions[id] = Suspicion(
            incarnation: incarnation, accuser: accuser, start: now, minimum: minimum,
            maximum: minimum.scaled(by: Double(settings.suspicionMaxTimeoutMultiplier)), expectedConfirmations: expected)
        if accuser == localID { counters.suspicionsRaised += 1 }
        queue.enqueue(claim)
        effects.append(.event(MembershipEvent(member: id, status: .suspect, incarnation: incarnation, isNew: false)))
    }

    mutating func applyDead(
        _ claim: SignedClaim, _ id: NodeID, _ incarnation: UInt64, status: MemberStatus, isOwn: Bool,
        at now: Instant, into effects: inout [MembershipEffect]
    ) {
        guard var member = members[id], incarnation >= member.incarnation else { return }
        // Dead is final for its incarnation; only a graceful leave may still be recorded over it.
        guard member.status.isActive || (member.status == .dead && status == .left) else { return }
        guard isOwn || believes(claim, at: now, into: &effects) else { return }
        let previous = member.status
        member.incarnation = incarnation
        member.status = status
        member.statusChangedAt = now
        member.claim = claim
        store(member, previousStatus: previous)
        suspicions[id] = nil
        queue.enqueue(claim)
        effects.append(.event(MembershipEvent(member: id, status: status, incarnation: incarnation, isNew: false)))
    }

    /// This node declares `id` dead at `incarnation`, on its own word.
    mutating func declareDead(_ id: NodeID, incarnation: UInt64, at now: Instant, into effects: inout [MembershipEffect]) {
        let claim = signed(.dead(id: id, incarnation: incarnation, from: localID))
        applyDead(claim, id, incarnation, status: .dead, isOwn: true, at: now, into: &effects)
    }

    /// This node suspects `id` at `incarnation`, on its own word.
    mutating func suspect(_ id: NodeID, incarnation: UInt64, at now: Instant, into effects: inout [MembershipEffect]) {
        let claim = signed(.suspect(id: id, incarnation: incarnation, from: localID))
        applySuspect(claim, id, incarnation, from: localID, isOwn: true, at: now, into: &effects)
    }

    // MARK: - The member table

    mutating func add(_ member: Member) {
        members.insert(member)
        if member.status == .left { leftCount += 1 }
        if member.status.isActive {
            activeCount += 1
            insertIntoProbeOrder(member.id)
        }
    }

    mutating func store(_ member: Member, previousStatus: MemberStatus) {
        members.replace(member)
        if previousStatus == .left { leftCount -= 1 }
        if member.status == .left { leftCount += 1 }
        if previousStatus.isActive != member.status.isActive {
            activeCount += member.status.isActive ? 1 : -1
            if member.status.isActive { insertIntoProbeOrder(member.id) }
        }
    }

    mutating func remove(_ id: NodeID) {
        guard let member = members.remove(id) else { return }
        if member.status.isActive { activeCount -= 1 }
        if member.status == .left { leftCount -= 1 }
        suspicions[id] = nil
    }

    /// New members go to a random place in the rest of the current pass (as in memberlist), so
    /// a joiner is probed within one pass; append-and-swap keeps this O(1) in a large mesh.
    private mutating func insertIntoProbeOrder(_ id: NodeID) {
        probeOrder.append(id)
        let position = Int.random(in: min(probeCursor, probeOrder.count - 1)..<probeOrder.count, using: &random)
        probeOrder.swapAt(position, probeOrder.count - 1)
    }

    /// Up to `count` distinct members satisfying `accept`, chosen at random.
    mutating func randomMembers(_ count: Int, where accept: (Member) -> Bool) -> [Member] {
        guard count > 0, !members.isEmpty else { return [] }
        var chosen: [Member] = []
        var seen = Set<NodeID>()
        // Sampling is O(count) in a large mesh; a small one falls back to a full scan.
        for _ in 0..<(count * 4) where chosen.count < count {
            let member = members[Int.random(in: 0..<members.count, using: &random)]
            if seen.insert(member.id).inserted, accept(member) { chosen.append(member) }
        }
        if chosen.count < count && members.count <= 256 {
            var candidates = members.filter { !seen.contains($0.id) && accept($0) }
            candidates.shuffle(using: &random)
            chosen += candidates.prefix(count - chosen.count)
        }
        return chosen
    }
}

extension Membership {
    /// A full-state exchange with whoever is at `address`, now: the runtime asks for one when a
    /// datagram arrives from a sender it cannot authenticate yet, since the exchange's
    /// handshake and full state bring that sender's certificate (and everyone else's).
    public mutating func exchangeState(with address: NodeAddress) -> [MembershipEffect] {
        counters.pushPullsSent += 1
        return [.send(.pushPull(isReply: false, isJoin: false, members: fullState), to: address)]
    }

    /// Declares a member dead on an outside authority's word (a revoked key): it is no longer
    /// probed and its death is gossiped. Unknown and already dead members are left alone.
    public mutating func exclude(_ id: NodeID, at now: Instant) -> [MembershipEffect] {
        guard let member = members[id] else { return [] }
        var effects: [MembershipEffect] = []
        declareDead(id, incarnation: member.incarnation, at: now, into: &effects)
        return effects
    }

    /// Excludes `id` for good on the authority's revocation: its signatures stop verifying,
    /// claims by or about it stop being believed, and it is declared dead.
    public mutating func revoke(_ id: NodeID, at now: Instant) -> [MembershipEffect] {
        credentials.revoke(id, name: certificate(for: id)?.name)
        return exclude(id, at: now)
    }

    /// Records a certificate already verified elsewhere (the stream handshake).
    public mutating func learn(_ certificate: NodeCertificate) {
        credentials.learn(certificate)
    }

    /// Takes `states` as this node's view without gossiping any of it: a warm start for a node
    /// that restores a saved view, and for simulations that begin from a formed mesh.
    public mutating func assumeMembers(_ states: [MemberState], at now: Instant) {
        members.reserveCapacity(members.count + states.count)
        for state in states where state.id != localID && !members.contains(state.id) {
            var member = Member(metadataClaim: state.metadataClaim, address: state.address, statusChangedAt: now)
            member.status = state.status
            member.incarnation = state.incarnation
            member.claim = state.statusClaim ?? state.metadataClaim
            add(member)
        }
        // The first exchange was timed for a mesh of one; spread it over the interval that
        // fits the mesh just assumed, or a large warm start would push-pull all at once.
        nextPushPullAt = now + scaledPushPullInterval.scaled(by: random.unit())
    }
}
