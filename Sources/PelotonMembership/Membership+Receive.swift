import PelotonCore
import PelotonCrypto

extension Membership {
    /// Handles one message from `sender`, who sent it from `address`.
    public mutating func receive(_ message: MembershipMessage, from sender: NodeID, address: NodeAddress, at now: Instant) -> [MembershipEffect] {
        var effects: [MembershipEffect] = []
        for claim in message.updates { apply(claim, at: now, into: &effects) }
        switch message {
        case let .ping(sequence, target, _):
            // A ping for another identity reached this address: an old member's address now
            // belongs to a new node. Staying silent lets the old member be declared dead.
            guard target == localID else {
                counters.messagesIgnored += 1
                break
            }
            effects.append(.send(.ack(sequence: sequence, updates: piggyback(for: sender)), to: address))

        case let .ack(sequence, _):
            if let relay = relays.removeValue(forKey: sequence) {
                effects.append(.send(.ack(sequence: relay.requesterSequence, updates: piggyback(for: nil)), to: relay.requester))
            } else if probe?.sequence == sequence {
                probe = nil
                adjustHealth(by: -1)
            }

        case let .nack(sequence, _):
            if probe?.sequence == sequence {
                probe?.nacks += 1
                counters.nacksReceived += 1
            }

        case let .pingRequest(sequence, target, targetAddress, _):
            let relaySequence = nextSequence()
            relays[relaySequence] = Relay(
                requester: address, requesterSequence: sequence,
                // Lifeguard: nack at 80% of the probe timeout, so the requester hears back in time.
                nackAt: now + settings.probeTimeout.scaled(by: 0.8), expiresAt: now + settings.probeInterval)
            effects.append(.send(.ping(sequence: relaySequence, target: target, updates: piggyback(for: target)), to: targetAddress))

        case .gossip:
            break

        case let .pushPull(isReply, _, remoteMembers):
            if !isReply {
                effects.append(.send(.pushPull(isReply: true, isJoin: false, members: fullState), to: address))
            }
            merge(remoteMembers, from: sender, at: now, into: &effects)
        }
        return effects
    }

    /// Folds a peer's full state into ours, claim by claim, each checked as if gossiped:
    /// members' alive claims first, so the accusers among them are known when their
    /// accusations are checked. A member the peer thinks dead is only suspected here (as in
    /// memberlist), on this node's own word once the death claim checks out, which gives the
    /// member the chance to refute a stale verdict.
    mutating func merge(_ states: [MemberState], from sender: NodeID, at now: Instant, into effects: inout [MembershipEffect]) {
        for state in states where state.status != .left || members.contains(state.id) || state.id == localID {
            apply(state.metadataClaim, at: now, into: &effects)
        }
        for state in states {
            guard let claim = state.statusClaim else { continue }
            guard case let .dead(id, incarnation, _) = claim.update, id != localID else {
                apply(claim, at: now, into: &effects)
                continue
            }
            guard let member = members[id], member.status.isActive, incarnation >= member.incarnation,
                  !(member.status == .suspect && member.incarnation == incarnation),
                  believes(claim, at: now, into: &effects) else { continue }
            suspect(id, incarnation: incarnation, at: now, into: &effects)
        }
    }

    /// Updates to piggyback on a message to `recipient`, within the datagram budget. Buddy
    /// system (Lifeguard): a suspect hears that it is suspected first, so it can refute.
    mutating func piggyback(for recipient: NodeID?) -> [SignedClaim] {
        var budget = settings.maxMessageBytes - MembershipMessage.maxHeaderBytes
        var updates: [SignedClaim] = []
        if let recipient, let member = members[recipient], member.status == .suspect {
            // The accusation itself, as its accuser signed it.
            let buddy = member.claim
            updates.append(buddy)
            budget -= buddy.encodedSize
        }
        let excluded = updates.isEmpty ? nil : recipient
        updates += queue.take(budget: budget, limit: retransmitLimit, excluding: excluded)
        return updates
    }
}
