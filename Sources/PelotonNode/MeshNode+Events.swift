import Foundation
import PelotonCore
import PelotonCrypto
import PelotonEvents
import PelotonMembership
import PelotonNodeCore
import PelotonServices

/// The event bus's runtime side: events travel in signed datagrams (`NodePayload.events`),
/// decided by `EventRounds`: every gossip interval to a few random alive members, and once a
/// second a digest to one member, which answers with what this node missed.
extension MeshNode {
    /// Publishes an event from this node to every subscriber in the mesh.
    public func publish(_ topic: Topic, payload: [UInt8]) throws(EventError) -> MeshEvent {
        let event = try MeshEvent(
            topic: topic, origin: id, sequence: eventRounds.takeSequence(), publishedAtMilliseconds: Self.wallClockMilliseconds(),
            payload: payload)
        if let fresh = eventRounds.publish(event, members: membership.activeCount + 1, at: Self.now()) { eventBus.deliver(fresh) }
        metrics.eventPublished(topicCount: 1)
        return event
    }

    /// An event as the API shows it, with its publisher's name where this node knows it.
    func view(of event: MeshEvent) -> EventView {
        EventView(event, originName: name(of: event.origin))
    }

    /// Every later event matching `pattern` that this node hears.
    public nonisolated func subscribe(_ pattern: TopicPattern) -> AsyncStream<MeshEvent> {
        eventBus.subscribe(pattern)
    }

    /// The latest events this node delivered that match `pattern`.
    public nonisolated func recentEvents(matching pattern: TopicPattern, limit: Int) -> [MeshEvent] {
        eventBus.recent(matching: pattern, limit: limit)
    }

    /// Runs the offered services' event handlers until cancelled: each handler sees each
    /// matching event this node delivers, one at a time, in the order delivered. Returns at
    /// once when there are none, so the caller adds it only when there are.
    nonisolated func runEventSubscriptions() async {
        guard let services else { return }
        let context = services.eventContext
        await withDiscardingTaskGroup { group in
            for service in services.services.values {
                for subscription in service.subscriptions {
                    let events = eventBus.subscribe(subscription.pattern)
                    group.addTask {
                        for await event in events { await subscription.handler(event, context) }
                    }
                }
            }
        }
    }

    func receiveEvents(_ message: EventMessage, from sender: NodeID, address: NodeAddress) {
        let (delivered, sends) = eventRounds.receive(message, from: sender, members: membership.activeCount + 1, at: Self.now())
        for event in delivered {
            eventBus.deliver(event)
            metrics.eventDelivered()
        }
        // Every answer goes back to the sender, at the address it sent from.
        for send in sends { self.send(send, addresses: [sender: address]) }
    }

    /// Runs the event gossip and repair rounds that are due.
    func runEventRounds(at now: Instant) {
        // Called by the timer loop every few milliseconds: look at the members only when a
        // round is due.
        guard now >= eventRounds.nextRoundAt else { return }
        let alive = aliveMembers()
        let sends = eventRounds.tick(at: now, alive: alive.map(\.id))
        guard !sends.isEmpty else { return }
        let addresses = Dictionary(alive.map { ($0.id, $0.address) }, uniquingKeysWith: { first, _ in first })
        for send in sends { self.send(send, addresses: addresses) }
    }

    private func send(_ send: EventRounds.Send, addresses: [NodeID: NodeAddress]) {
        switch send {
        case let .batch(events, peer):
            guard let address = addresses[peer] else { return }
            sendDatagram(.events(.batch(EventBatch(events: events))), to: address)
        case let .digest(marks, peer):
            guard let address = addresses[peer] else { return }
            sendDatagram(.events(.digest(marks)), to: address)
        }
    }

    func aliveMembers() -> [Member] {
        membership.members.filter { $0.status == .alive }
    }

    /// A membership change, as a local system event (`mesh.member.alive`, `.suspect`, `.dead`,
    /// `.left`): every node sees the membership, so these are not gossiped.
    func announce(_ event: MembershipEvent, name: String) {
        guard let topic = try? Topic("mesh.member.\(event.status)"),
              let payload = try? JSONReply.compact.encode(MemberEventView(member: event.member.description, name: name, incarnation: event.incarnation))
        else { return }
        deliverSystemEvent(topic, payload: Array(payload))
    }

    /// Delivers an event about this node's own view to its subscribers only.
    func deliverSystemEvent(_ topic: Topic, payload: [UInt8]) {
        guard let system = try? MeshEvent(
            topic: topic, origin: id, sequence: 0, publishedAtMilliseconds: Self.wallClockMilliseconds(), payload: payload)
        else { return }
        eventBus.deliver(system)
    }
}

/// The payload of a `mesh.member.*` event.
struct MemberEventView: Codable {
    let member: String
    let name: String
    let incarnation: UInt64
}

/// Handlers publish through the node they run on.
struct NodeEventPublisher: EventPublisher {
    weak var node: MeshNode?

    func publish(_ topic: Topic, payload: [UInt8]) async throws {
        guard let node else { throw EventError.invalidTopic(topic.description, "the node is gone") }
        _ = try await node.publish(topic, payload: payload)
    }
}
