import PelotonCore
import Synchronization

/// Runs the services this node offers: finds the method, runs it at most once per request id
/// (a reissue joins the run in progress or gets the stored reply), and renders the reply.
///
/// A lock, not an actor: the handler runs on the caller's task, so a call costs no hop to
/// another executor and back; the lock covers only the ledger's bookkeeping.
public final class ServiceHost: Sendable {
    public let services: [String: ServiceDefinition]
    private let state: Mutex<State>
    private let clock: @Sendable () -> Instant
    /// Set by the node once it exists (it is built after its services).
    private let sharedState = Mutex<(any SharedState)?>(nil)
    private let eventPublisher = Mutex<(any EventPublisher)?>(nil)

    private struct State {
        var ledger: RequestLedger<CallReply>
        /// Callers that arrived with an id already running, waiting for its reply.
        var joined: [RequestID: [CheckedContinuation<CallReply, Never>]] = [:]
        var duplicatesAbsorbed = 0
    }

    public init(services: [ServiceDefinition], ledgerCapacity: Int = 65_536, clock: @escaping @Sendable () -> Instant) throws {
        var byName: [String: ServiceDefinition] = [:]
        for service in services {
            guard byName[service.name] == nil else { throw ServiceDefinitionError("service \(service.name) is registered twice") }
            byName[service.name] = service
        }
        self.services = byName
        state = Mutex(State(ledger: RequestLedger(capacity: ledgerCapacity)))
        self.clock = clock
    }

    public func offers(_ service: String) -> Bool { services[service] != nil }

    /// Whether calls to `service` run on the event loop that read them.
    public func runsOnEventLoop(_ service: String) -> Bool { services[service]?.handlersRunOn == .eventLoop }

    /// Gives handlers the mesh's replicated state.
    public func attach(_ state: any SharedState) {
        sharedState.withLock { $0 = state }
    }

    /// What event handlers reach: the state and bus attached so far.
    public var eventContext: EventContext {
        EventContext(state: sharedState.withLock { $0 }, events: eventPublisher.withLock { $0 })
    }

    /// Gives handlers the mesh's event bus.
    public func attach(_ events: any EventPublisher) {
        eventPublisher.withLock { $0 = events }
    }

    /// How many handler runs a reissue or duplicate did not repeat.
    public var duplicatesAbsorbed: Int { state.withLock { $0.duplicatesAbsorbed } }

    /// The reply to `request`, which this node owns.
    public func handle(_ request: CallRequest) async -> CallReply {
        guard let service = services[request.service] else {
            return CallReply(id: request.id, outcome: .failure(CallFailure(.notOffered, "this node does not offer service \(request.service)")))
        }
        guard let method = service.methods[request.method] else {
            return CallReply(id: request.id, outcome: .failure(CallFailure(
                .noSuchMethod, "service \(service.name) has no method \(request.method); it has \(service.methodNames.joined(separator: ", "))")))
        }
        let started = clock()
        let budget = Duration.milliseconds(Int64(request.budgetMilliseconds))
        let admission = state.withLock { state in
            let admission = state.ledger.admit(request.id, at: started)
            if admission != .run { state.duplicatesAbsorbed += 1 }
            return admission
        }
        switch admission {
        case let .replay(reply):
            return reply
        case .join:
            return await withCheckedContinuation { waiter in
                // The run may have ended since `admit`: its reply is then in the ledger.
                let ready: CallReply? = state.withLock { state in
                    switch state.ledger.entry(request.id) {
                    case .running:
                        state.joined[request.id, default: []].append(waiter)
                        return nil
                    case let .finished(reply):
                        return reply
                    case nil:
                        return CallReply(id: request.id, outcome: .failure(CallFailure(.overloaded, "request \(request.id) was forgotten while it ran")))
                    }
                }
                if let ready { waiter.resume(returning: ready) }
            }
        case .run:
            let context = CallContext(
                requestID: request.id, key: request.key, budget: budget, state: sharedState.withLock { $0 }, events: eventPublisher.withLock { $0 })
            let reply = CallReply(id: request.id, outcome: await method.run(request.body, request.formats, context))
            let waiters = state.withLock { state in
                state.ledger.finish(request.id, reply: reply, deadline: started + budget, at: clock())
                return state.joined.removeValue(forKey: request.id) ?? []
            }
            for waiter in waiters { waiter.resume(returning: reply) }
            return reply
        }
    }
}
