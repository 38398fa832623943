import PelotonCore

/// Runs the services this node offers: finds the method, runs it at most once per request id
/// (a reissue joins the run in progress or gets the stored reply), and renders the reply.
public actor ServiceHost {
    public nonisolated let services: [String: ServiceDefinition]
    private var ledger: RequestLedger<CallReply>
    private var running: [RequestID: Task<CallReply, Never>] = [:]
    private let clock: @Sendable () -> Instant
    /// How many handler runs a reissue or duplicate did not repeat.
    public private(set) var duplicatesAbsorbed = 0

    public init(services: [ServiceDefinition], ledgerCapacity: Int = 65_536, clock: @escaping @Sendable () -> Instant) throws {
        var byName: [String: ServiceDefinition] = [:]
        for service in services {
            guard byName[service.name] == nil else { throw ServiceDefinitionError("service \(service.name) is registered twice") }
            byName[service.name] = service
        }
        self.services = byName
        ledger = RequestLedger(capacity: ledgerCapacity)
        self.clock = clock
    }

    public nonisolated func offers(_ service: String) -> Bool { services[service] != nil }

    /// The reply to `request`, which this node owns.
    public func handle(_ request: CallRequest) async -> CallReply {
        guard let service = services[request.service] else {
            return CallReply(id: request.id, outcome: .failure(CallFailure(.notOffered, "this node does not offer service \(request.service)")))
        }
        guard let method = service.methods[request.method] else {
            return CallReply(id: request.id, outcome: .failure(CallFailure(
                .noSuchMethod, "service \(service.name) has no method \(request.method); it has \(service.methodNames.joined(separator: ", "))")))
        }
        let now = clock()
        let budget = Duration.milliseconds(Int64(request.budgetMilliseconds))
        switch ledger.admit(request.id, at: now) {
        case let .replay(reply):
            duplicatesAbsorbed += 1
            return reply
        case .join:
            duplicatesAbsorbed += 1
            if let run = running[request.id] { return await run.value }
            return CallReply(id: request.id, outcome: .failure(CallFailure(.overloaded, "request \(request.id) is being answered")))
        case .run:
            let context = CallContext(requestID: request.id, key: request.key, budget: budget)
            let run = Task { CallReply(id: request.id, outcome: await method.run(request.body, request.formats, context)) }
            running[request.id] = run
            let reply = await run.value
            running[request.id] = nil
            ledger.finish(request.id, reply: reply, deadline: now + budget, at: clock())
            return reply
        }
    }
}
