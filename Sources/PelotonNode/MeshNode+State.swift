import Foundation
import PelotonCore
import PelotonCrypto
import PelotonMembership
import PelotonNodeCore
import PelotonPlacement
import PelotonServices
import PelotonState
import PelotonWire
import Tracing

extension WriteID {
    public init(_ request: RequestID) { self.init(high: request.high, low: request.low) }

    /// A client's write to `key` under its request id (`WriteID(request:_:key:)`).
    public init(_ request: RequestID, key: StateKey) { self.init(request: request.high, request.low, key: key) }
}

extension RequestID {
    public init(_ write: WriteID) { self.init(high: write.high, low: write.low) }
}

/// Replicated state: any node takes a read or write and carries it to the key's owners on the
/// ring of all members. A write runs at one owner (tried in turn, as a call is), which saves it,
/// ships the delta to the other owners and answers once `ReplicaTally` says enough of them
/// hold it. A read merges what enough owners answer. Digest anti-entropy repairs the rest.
extension MeshNode {
    static let stateContentType = "application/x-peloton-state"

    /// Runs `operation` on `key` at an owner and waits for `level`'s acknowledgements. `write`
    /// names the write across attempts and retries (a client's `X-Request-Id`): an owner that
    /// holds it already does not apply it again.
    ///
    /// The promise: a success is applied exactly once; a failure other than `uncertain` was
    /// applied nowhere; `uncertain` (504) was applied once or not at all, and a retry with the
    /// same id never applies it a second time at an owner that holds it.
    public nonisolated func writeState(
        _ operation: StateOperation, to key: StateKey, level: ConsistencyLevel, budget: Duration, write: WriteID = WriteID(RequestID.random())
    ) async -> Result<StateWriteResult, CallFailure> {
        let start = Self.now()
        let result = await inFlight.track {
            await tracer.span("state write \(key.kind.name)") { span in
                span?.attributes["peloton.state.key"] = key.description
                span?.attributes["peloton.state.level"] = level.rawValue
                span?.attributes["peloton.state.write"] = write.description
                let result = await self.coordinateWrite(operation, to: key, level: level, deadline: start + budget, write: write)
                switch result {
                case let .success(written):
                    span?.attributes["peloton.state.acknowledged"] = written.acknowledged
                    if let owner = written.servedBy { span?.attributes["peloton.served_by"] = owner.description }
                case let .failure(failure): span?.fail(failure)
                }
                return result
            }
        }
        metrics.stateOperation("write", level: level.rawValue, outcome: Self.outcome(of: result), duration: Self.now() - start)
        return result
    }

    static func outcome(of result: Result<some Any, CallFailure>) -> String {
        switch result {
        case .success: "ok"
        case let .failure(failure): "\(failure.code)"
        }
    }

    /// Asks the owners in turn (`CoordinatedWrite`): this node runs it when it is the owner
    /// asked, else the owner's answer (or the transport's failure) decides the next step.
    private nonisolated func coordinateWrite(
        _ operation: StateOperation, to key: StateKey, level: ConsistencyLevel, deadline: Instant, write: WriteID
    ) async -> Result<StateWriteResult, CallFailure> {
        let start = Self.now()
        let placement = await placement(of: StateKey.placementService, key: key.description, at: start)
        // In preference order, from every node alike: a retry of the same write (same id) then
        // reaches the owner that ran it, which holds its id, as long as the owners are the
        // same. (Running it here when this node is a later owner would save a hop, but a
        // retry through another node would then find an owner the delta may not have reached.)
        var coordination = CoordinatedWrite(write: write, owners: placement.owners, deadline: deadline, attemptTimeout: configuration.callAttemptTimeout)
        var step = coordination.start(at: start)
        while true {
            switch step {
            case let .finished(.failure(failure)) where failure.code == .uncertain:
                logLimited(.notice, subject: "state write uncertain", reason: "", "state write \(write) to \(key): \(failure.message)")
                return .failure(failure)
            case let .finished(outcome):
                return outcome
            case let .ask(owner, until):
                let answer: Result<StateResponse, CallFailure>
                if owner == id {
                    answer = await runStateWrite(operation, to: key, level: level, deadline: deadline, write: write)
                } else {
                    answer = await askOwner(
                        owner, addresses: placement.addresses, .write(key, operation, level), until: until, deadline: deadline, id: RequestID(write))
                }
                if case let .failure(failure) = answer, failure.isRetriable {
                    logLimited(
                        .notice, subject: "state write not taken \(owner.short)", reason: "",
                        "state write to \(key): \(owner.short) did not take it (\(failure.message)); asking the next owner")
                }
                step = coordination.receive(answer, from: owner, at: Self.now()) ?? .finished(.failure(CallFailure(.uncertain, "the write lost its attempt")))
            }
        }
    }

    /// Runs write `write` as an owner: save it here (unless it is held here already), ship it
    /// to the other owners, and answer once `level` is met or cannot be.
    nonisolated func runStateWrite(
        _ operation: StateOperation, to key: StateKey, level: ConsistencyLevel, deadline: Instant, write: WriteID
    ) async -> Result<StateResponse, CallFailure> {
        await tracer.span("state apply \(key.kind.name)") { span in
            span?.attributes["peloton.state.key"] = key.description
            let result = await applyAndShip(operation, to: key, level: level, deadline: deadline, write: write)
            if case let .failure(failure) = result { span?.fail(failure) }
            return result
        }
    }

    private nonisolated func applyAndShip(
        _ operation: StateOperation, to key: StateKey, level: ConsistencyLevel, deadline: Instant, write: WriteID
    ) async -> Result<StateResponse, CallFailure> {
        let placement = await placement(of: StateKey.placementService, key: key.description, at: Self.now())
        var ownerWrite = OwnerWrite(write: write, key: key, level: level, owners: placement.owners, me: id)
        let saved: Result<ReplicaState.WriteApplication, OwnerWrite.SaveFailure>
        do {
            saved = .success(try await stateReplica.apply(operation, to: key, write: write, nowMilliseconds: Self.wallClockMilliseconds()))
        } catch let error as StateError {
            saved = .failure(.invalid(error.description))
        } catch {
            logger.error("state write to \(key) not saved: \(error)")
            saved = .failure(.notSaved("\(error)"))
        }
        // Every effect is carried out: a level met by this save alone (`one`) still ships the
        // delta to every other owner, and the requests run on once the answer is decided.
        var answer: Result<StateResponse, CallFailure>?
        var replies: [AsyncStream<(NodeID, Result<StateResponse, CallFailure>)>] = []
        for effect in ownerWrite.saved(saved) {
            switch effect {
            case let .answer(decided): answer = decided
            case let .ship(delta, owners):
                replies.append(askOwners(owners, addresses: placement.addresses, .replicate(write: write, key: key, delta: delta), deadline: deadline))
            }
        }
        if let answer { return answer }
        for stream in replies {
            for await (owner, outcome) in stream {
                if case let .answer(decided)? = ownerWrite.replicaAnswered(owner, outcome) { return decided }
            }
        }
        return .failure(CallFailure(.uncertain, "the write is saved here but the other owners' answers never came"))
    }

    /// `key`'s state merged from as many owners as `level` asks.
    public nonisolated func readState(_ key: StateKey, level: ConsistencyLevel, budget: Duration) async -> Result<StateValue?, CallFailure> {
        let start = Self.now()
        let result = await inFlight.track {
            await tracer.span("state read \(key.kind.name)") { span in
                span?.attributes["peloton.state.key"] = key.description
                span?.attributes["peloton.state.level"] = level.rawValue
                let result = await self.coordinateRead(key, level: level, deadline: start + budget)
                if case let .failure(failure) = result { span?.fail(failure) }
                return result
            }
        }
        metrics.stateOperation("read", level: level.rawValue, outcome: Self.outcome(of: result), duration: Self.now() - start)
        return result
    }

    private nonisolated func coordinateRead(_ key: StateKey, level: ConsistencyLevel, deadline: Instant) async -> Result<StateValue?, CallFailure> {
        let start = Self.now()
        let placement = await placement(of: StateKey.placementService, key: key.description, at: start)
        var tally = ReplicaTally(owners: placement.owners, level: level)
        guard !placement.owners.isEmpty else { return .failure(CallFailure(.noOwners, "no member holds state")) }
        var merged: StateValue?
        func take(_ value: StateValue?) {
            guard let value else { return }
            merged = merged.map { $0.merged(with: value) } ?? value
        }
        if placement.owners.contains(id) {
            take(await stateReplica[key])
            tally.answer(from: id)
            if tally.outcome == .succeeded { return .success(merged) }
        }
        let others = placement.owners.filter { $0 != id }
        for await (owner, outcome) in askOwners(others, addresses: placement.addresses, .read(key, .one), deadline: deadline) {
            switch outcome {
            case let .success(.value(value)):
                take(value)
                tally.answer(from: owner)
            case .success:
                tally.fail(owner, because: "unexpected answer")
            case let .failure(failure):
                tally.fail(owner, because: failure.message)
            }
            if tally.outcome != .pending { break }
        }
        guard tally.outcome == .succeeded else {
            return .failure(CallFailure(.unavailable, "\(level.rawValue) read of \(key): \(tally.failureReason)"))
        }
        return .success(merged)
    }

    /// Serves a state request from another node (or, for reads and writes, a client).
    nonisolated func serveState(_ request: CallRequest) async -> CallReply {
        func reply(_ outcome: Result<StateResponse, CallFailure>) -> CallReply {
            switch outcome {
            case let .success(response):
                CallReply(id: request.id, outcome: .success(RenderedReply(contentType: Self.stateContentType, body: response.wireBytes)))
            case let .failure(failure):
                CallReply(id: request.id, outcome: .failure(failure))
            }
        }
        let message: StateRequest
        do {
            message = try StateRequest(wireBytes: request.body)
        } catch {
            return reply(.failure(CallFailure(.badRequest, "not a state request: \(error)")))
        }
        let budget = Duration.milliseconds(Int64(request.budgetMilliseconds))
        let fromClient = request.hops == 0
        switch message {
        case let .write(key, operation, level):
            // A client's id names one write per key; between owners the id is already the write's.
            let write = fromClient ? WriteID(request.id, key: key) : WriteID(request.id)
            if fromClient {
                return reply(await writeState(operation, to: key, level: level, budget: budget, write: write).map {
                    .written($0.state, acknowledged: $0.acknowledged, owners: $0.owners)
                })
            }
            return reply(await runStateWrite(operation, to: key, level: level, deadline: Self.now() + budget, write: write))
        case let .read(key, level):
            if fromClient { return reply(await readState(key, level: level, budget: budget).map { .value($0) }) }
            return reply(.success(.value(await stateReplica[key])))
        case let .replicate(write, key, delta):
            return reply(await merge(fromClient: fromClient) {
                try await self.stateReplica.merge(write: write, key: key, delta: delta, nowMilliseconds: Self.wallClockMilliseconds())
            })
        case let .merge(states):
            return reply(await merge(fromClient: fromClient) { try await self.stateReplica.merge(states) })
        case let .digest(sender, entries):
            guard !fromClient else { return reply(.failure(CallFailure(.badRequest, "anti-entropy is between nodes"))) }
            let (ring, replicas) = await stateRing()
            let answer = await stateReplica.answer(entries, from: sender, in: AntiEntropyScope(ring: ring, replicas: replicas))
            return reply(.success(.answer(answer)))
        }
    }

    /// Runs a merge another node asked for (`save`): clients may not send merges, and a merge
    /// that could not be saved is refused.
    private nonisolated func merge(fromClient: Bool, _ save: () async throws -> Void) async -> Result<StateResponse, CallFailure> {
        guard !fromClient else { return .failure(CallFailure(.badRequest, "clients write state through operations, not merges")) }
        do {
            try await save()
            return .success(.merged)
        } catch {
            return .failure(CallFailure(.overloaded, "could not save the merge: \(error)"))
        }
    }

    /// Sends `message` to each of `owners` at once, each within the attempt timeout and the
    /// deadline, and yields their answers as they come; the stream ends after the last. The
    /// requests do not stop when the caller stops listening.
    nonisolated func askOwners(
        _ owners: [NodeID], addresses: [NodeID: NodeAddress], _ message: StateRequest, deadline: Instant
    ) -> AsyncStream<(NodeID, Result<StateResponse, CallFailure>)> {
        let (answers, input) = AsyncStream.makeStream(of: (NodeID, Result<StateResponse, CallFailure>).self)
        Task {
            await withTaskGroup(of: Void.self) { group in
                for owner in owners {
                    group.addTask {
                        let limit = min(Self.now() + self.configuration.callAttemptTimeout, deadline)
                        input.yield((owner, await self.askOwner(owner, addresses: addresses, message, until: limit, deadline: deadline)))
                    }
                }
            }
            input.finish()
        }
        return answers
    }

    /// Asks another node for a state operation, within `until`. A request that never left
    /// fails `notOffered` (another owner may be asked); one that left and got no answer fails
    /// `uncertain` (it may have run there).
    nonisolated func askOwner(
        _ owner: NodeID, addresses: [NodeID: NodeAddress], _ message: StateRequest, until: Instant, deadline: Instant, id: RequestID = .random()
    ) async -> Result<StateResponse, CallFailure> {
        let body = message.wireBytes
        return await tracer.span("ask \(StateRequest.name(ofWire: body))", kind: .client) { span in
            span?.attributes["peloton.owner"] = owner.description
            let result = await askOwner(owner, addresses: addresses, body, until: until, deadline: deadline, id: id)
            if case let .failure(failure) = result { span?.fail(failure) }
            return result
        }
    }

    private nonisolated func askOwner(
        _ owner: NodeID, addresses: [NodeID: NodeAddress], _ body: [UInt8], until: Instant, deadline: Instant, id: RequestID
    ) async -> Result<StateResponse, CallFailure> {
        guard let address = addresses[owner] else { return .failure(CallFailure(.notOffered, "no address for \(owner.short)")) }
        let now = Self.now()
        let request = CallRequest(
            id: id, service: StateKey.placementService, method: "state", key: nil, body: body,
            budgetMilliseconds: UInt32(clamping: max(0, (deadline - now).nanosecondsClamped / 1_000_000)), hops: 1, trace: traceToSend())
        do {
            let reply = try await self.forward(request, to: owner, at: address, within: until - now)
            switch reply.outcome {
            case let .success(rendered):
                return .success(try StateResponse(wireBytes: rendered.body))
            case let .failure(failure):
                return .failure(failure)
            }
        } catch let error as WireError {
            return .failure(CallFailure(.uncertain, "\(owner.short) answered with a bad state response: \(error)"))
        } catch let error as CallNotSent {
            return .failure(CallFailure(.notOffered, "\(owner.short): \(error)"))
        } catch {
            return .failure(CallFailure(.uncertain, "\(owner.short): \(error)"))
        }
    }

    /// The ring state is placed on (every alive or suspect member) and the replica count.
    func stateRing() -> (ring: HashRing, replicas: Int) {
        let snapshot = serviceRing(StateKey.placementService)
        return (snapshot.ring, snapshot.replicas)
    }

    static func wallClockMilliseconds() -> UInt64 {
        UInt64(max(0, Date().timeIntervalSince1970 * 1000))
    }
}

/// Handlers reach the mesh's state through the node they run on.
struct NodeSharedState: SharedState {
    weak var node: MeshNode?
    let budget: Duration

    func write(_ operation: StateOperation, to key: StateKey, level: ConsistencyLevel) async throws -> StateValue {
        guard let node else { throw CallFailure(.unavailable, "the node is gone") }
        return try await node.writeState(operation, to: key, level: level, budget: budget).get().state
    }

    func write(_ operation: StateOperation, to key: StateKey, level: ConsistencyLevel, id: WriteID) async throws -> StateValue {
        guard let node else { throw CallFailure(.unavailable, "the node is gone") }
        return try await node.writeState(operation, to: key, level: level, budget: budget, write: id).get().state
    }

    func read(_ key: StateKey, level: ConsistencyLevel) async throws -> StateValue? {
        guard let node else { throw CallFailure(.unavailable, "the node is gone") }
        return try await node.readState(key, level: level, budget: budget).get()
    }
}
