import PelotonCore
import PelotonCrypto

extension Membership {
    /// Handles one message from `sender`, who sent it from `address`.
    public mutating func receive(_ message: MembershipMessage, from sender: NodeID, address: NodeAddress, at now: Instant) -> [MembershipEffect] {
        var effects: [MembershipEffect] = []
        for update in message.updates { apply(update, at: now, into: &effects) }
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

    /// Folds a peer's full state into ours. A member the peer thinks dead is only suspected
    /// here (as in memberlist), which gives it the chance to refute a stale verdict.
    mutating func merge(_ states: [MemberState], from sender: NodeID, at now: Instant, into effects: inout [MembershipEffect]) {
        for state in states {
            let update: MembershipUpdate
            switch state.status {
            case .alive:
                update = .alive(id: state.id, incarnation: state.incarnation, address: state.address, metadata: state.metadata)
            case .suspect, .dead:
                if members[state.id] == nil && state.id != localID {
                    // Learn of it as alive at that incarnation, then suspect it: it is probed and
                    // refutes if it lives, and is declared dead by timeout if not.
                    apply(.alive(id: state.id, incarnation: state.incarnation, address: state.address, metadata: state.metadata), at: now, into: &effects)
                }
                update = .suspect(id: state.id, incarnation: state.incarnation, from: sender)
            case .left:
                update = .left(id: state.id, incarnation: state.incarnation)
            }
            apply(update, at: now, into: &effects)
        }
    }

    /// Updates to piggyback on a message to `recipient`, within the datagram budget. Buddy
    /// system (Lifeguard): a suspect hears that it is suspected first, so it can refute.
    mutating func piggyback(for recipient: NodeID?) -> [MembershipUpdate] {
        var budget = settings.maxMessageBytes - MembershipMessage.maxHeaderBytes
        var updates: [MembershipUpdate] = []
        if let recipient, let member = members[recipient], member.status == .suspect {
            let buddy = MembershipUpdate.suspect(id: recipient, incarnation: member.incarnation, from: localID)
            updates.append(buddy)
            budget -= buddy.encodedSize
        }
        let excluded = updates.isEmpty ? nil : recipient
        updates += queue.take(budget: budget, limit: retransmitLimit, excluding: excluded)
        return updates
    }
}
