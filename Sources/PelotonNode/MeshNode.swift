import Foundation
import Logging
import NIOCore
import NIOPosix
import PelotonCore
import PelotonCrypto
import PelotonEvents
import PelotonJobs
import PelotonMembership
import PelotonNodeCore
import PelotonPlacement
import PelotonServices
import PelotonState
import PelotonWire
import ServiceLifecycle
import Synchronization

/// The runtime shell around `Membership`: it moves bytes and time, nothing else. Datagrams are
/// checked by the envelope gate before the state machine sees them (which checks every claim in
/// them); its effects become signed datagrams or authenticated stream exchanges.
public actor MeshNode: Service {
    public nonisolated let credentials: NodeCredentials
    /// Makes the node's spans, or none when it does not record traces.
    nonisolated let tracer: NodeTracer
    public nonisolated let configuration: NodeConfiguration
    public nonisolated let metrics = NodeMetrics()
    nonisolated let logger: Logger
    nonisolated let files: NodeFiles?
    nonisolated let group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton

    var membership: Membership
    var sealer: EnvelopeSealer
    var gate = EnvelopeGate()
    var savedIncarnation: UInt64
    var lossRandom: SeededRandom
    var resolvedAddresses: [NodeAddress: SocketAddress] = [:]
    /// The UDP socket gossip is sent and received through (set by `run`), outside NIO.
    var gossipSocket: GossipSocket?
    /// Which repeated errors get a log line: each subject and reason once, then once a minute.
    nonisolated let errorReports = Mutex(ReportLimiter())
    /// Set once both sockets are bound.
    var isListening = false
    /// Verified revocations, in the order learned, and those still being passed on.
    var revocations: [Revocation] = []
    var revocationGossip: [(revocation: Revocation, remaining: Int)] = []
    var nextRevocationGossipAt = Instant.zero
    /// When the members chart next gets a count.
    var nextMembersSampleAt = Instant.zero
    /// When this node last asked each unauthenticated source for a state exchange.
    var introductions: [NodeAddress: Instant] = [:]
    /// The services this node offers, if any.
    public nonisolated let services: ServiceHost?
    nonisolated let callChannels = CallChannels()
    /// Rings of the members offering each service, rebuilt when the membership changes; behind
    /// a lock so routing reads them without entering the actor.
    nonisolated let placements = Mutex<[String: ServiceRingSnapshot]>([:])
    /// The replicated state this node holds.
    nonisolated let stateReplica: StateReplica
    /// Event dissemination and this node's subscribers.
    var eventRounds: EventRounds
    nonisolated let eventBus: EventBus
    /// Each service's owners as last announced (`mesh.service.*`); looked at again after a
    /// membership change, and at the start, when this node's own services get placed.
    var placementWatch = PlacementWatch()
    var placementsMayHaveChanged = true
    var nextPlacementCheckAt = Instant.zero
    /// The jobs this node can run units of, and those it coordinates or knows are finished.
    nonisolated let jobExecutor: JobExecutor
    var coordinatedJobs: Set<String> = []
    var finishedJobs: Set<String> = []
    /// Set once the node starts draining (`drain()`): placement no longer chooses it.
    var isDraining = false
    /// How far the node is into stopping, for the HTTP API.
    nonisolated let shutdown = ShutdownState()
    /// Calls, routes and state operations under way here, which a draining node waits out.
    nonisolated let inFlight = InFlightWork()
    /// `POST /v1/drain` asks through this; the node then drains and stops as on SIGTERM.
    let drainRequests: AsyncStream<Void>
    nonisolated let drainRequestInput: AsyncStream<Void>.Continuation

    /// A node with its credentials; `files` (when given) keeps the incarnation across restarts.
    public init(
        credentials: NodeCredentials, configuration: NodeConfiguration, files: NodeFiles?, services: ServiceHost? = nil,
        jobs: [JobDefinition] = [], jobCores: Int? = nil, logger: Logger? = nil
    ) throws {
        jobExecutor = JobExecutor(definitions: jobs, cores: jobCores)
        self.credentials = credentials
        tracer = NodeTracer(records: configuration.recordsTraces, node: credentials.certificate.name)
        id = credentials.identity.nodeID
        self.services = services
        self.configuration = configuration
        self.files = files
        self.logger = logger ?? Logger(label: "peloton.node")
        // Every start speaks with an incarnation above any used before: peers then take this
        // life's alive claim over the death they recorded, and reset their replay windows.
        let incarnation = (try files?.readIncarnation() ?? 0) + 1
        try files?.writeIncarnation(incarnation)
        savedIncarnation = incarnation
        let metadata: MemberMetadata
        do {
            let offered = services?.services.values.sorted { $0.name < $1.name }.map {
                MemberMetadata.Service(name: $0.name, version: $0.version, replicas: $0.replicas, idempotent: $0.idempotent)
            } ?? []
            metadata = try MemberMetadata(httpAddress: configuration.httpAddress, services: offered, credential: credentials.certificate.wireBytes)
        } catch {
            throw NodeSetupError("node metadata refused: \(error)")
        }
        var seed: UInt64 = 0
        for byte in secureRandomBytes(count: 8) { seed = seed << 8 | UInt64(byte) }
        // One byte of every datagram says what kind of payload follows (`NodePayload`).
        var settings = configuration.settings
        settings.maxDatagramSize -= 1
        let now = Self.now()
        membership = Membership(
            identity: credentials.identity, authority: credentials.authority, address: configuration.advertise, metadata: metadata,
            seeds: configuration.seeds, settings: settings, incarnation: incarnation,
            unixTimeAtZero: Int64(unixSeconds()) - Int64(now.seconds), random: SeededRandom(seed: seed), now: now)
        lossRandom = SeededRandom(seed: seed ^ 0x9E37_79B9_7F4A_7C15)
        sealer = EnvelopeSealer(identity: credentials.identity, incarnation: incarnation, maxDatagramSize: configuration.settings.maxDatagramSize)
        (drainRequests, drainRequestInput) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))
        for revocation in try files?.readRevocations(authority: credentials.authority) ?? [] {
            revocations.append(revocation)
            _ = membership.revoke(revocation.node, at: now)
        }
        eventBus = EventBus(counting: { [metrics] subscribers in metrics.eventReachedSubscribers(subscribers) })
        // Each life numbers its events above the last: peers never mistake a new one for old.
        eventRounds = EventRounds(
            gossip: EventGossip(firstSequence: incarnation << 32), random: SeededRandom(seed: seed ^ 0xE7E7_E7E7_E7E7_E7E7), now: Self.now())
        stateReplica = try StateReplica(id: credentials.identity.nodeID, database: try files.map { try StateDatabase(path: $0.statePath) })
        services?.attach(NodeSharedState(node: self, budget: .seconds(5)))
        services?.attach(NodeEventPublisher(node: self))
    }

    /// Kept, not derived: deriving hashes the public key, and routing asks for every call.
    public nonisolated let id: NodeID

    /// The runtime's clock: monotonic nanoseconds.
    static func now() -> Instant { Instant(nanoseconds: Int64(NIODeadline.now().uptimeNanoseconds)) }
    /// The same clock, for a `ServiceHost`.
    public static let clock: @Sendable () -> Instant = { now() }

    // MARK: - Running

    /// Listens, joins, and runs until cancelled or asked to shut down gracefully, when it
    /// leaves the mesh and gossips its departure for `leaveGossipTime` first.
    public func run() async throws {
        let bind = configuration.bind
        // No SO_REUSEADDR on the UDP socket: it would let a second node bind the same port and
        // silently take half of the first one's datagrams.
        let socket: GossipSocket
        do {
            socket = try GossipSocket(binding: try SocketAddress.makeAddressResolvingHost(bind.host, port: Int(bind.port)))
        } catch {
            throw NodeSetupError("cannot listen for gossip on \(bind) (udp): \(error)")
        }
        let maxFrameBytes = configuration.maxFrameBytes
        let streams: NIOAsyncChannel<PendingStream, Never>
        do {
            streams = try await ServerBootstrap(group: group)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                .bind(host: bind.host, port: Int(bind.port)) { channel in
                    channel.eventLoop.makeCompletedFuture { try PendingStream(framing: channel, maxFrameBytes: maxFrameBytes) }
                }
        } catch {
            throw NodeSetupError("cannot listen for streams on \(bind) (tcp): \(error)")
        }
        gossipSocket = socket
        let (datagrams, datagramInput) = AsyncStream.makeStream(of: GossipSocket.Received.self, bufferingPolicy: .bufferingNewest(4096))
        socket.receive(into: datagramInput)
        // However the node stops (asked to, or cancelled as in a crash), its socket is let go:
        // the descriptor closes once the receive thread ends, so the port can be bound again.
        defer {
            socket.stop()
            gossipSocket = nil
            isListening = false
        }
        isListening = true
        logger.info("node \(credentials.certificate.name) (\(id.short)) listening on \(bind) (udp+tcp), incarnation \(membership.incarnation)")
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask {
                for await received in datagrams {
                    switch received {
                    case let .datagram(bytes, source): await self.receiveDatagram(bytes, from: source)
                    case let .failed(reason): await self.socketFailed("receive", to: "any", reason: reason)
                    }
                }
                // Nothing but a stop ends this loop: a node must not carry on deaf, nor exit
                // as if asked to.
                if !Task.isCancelled { throw NodeStoppedError("the gossip socket stopped receiving (udp \(bind))") }
            }
            tasks.addTask {
                try await streams.executeThenClose { connections in
                    try await withThrowingDiscardingTaskGroup { handlers in
                        for try await pending in connections {
                            guard let connection = pending.take() else { continue }
                            handlers.addTask { await self.serveStream(connection) }
                        }
                    }
                }
                if !Task.isCancelled { throw NodeStoppedError("the stream listener closed (tcp \(bind))") }
            }
            tasks.addTask { try await self.runTimers() }
            tasks.addTask { try await self.runAntiEntropy() }
            tasks.addTask { try await self.runJobSupervision() }
            // Only with handlers to run: the first task of this group to end stops the node.
            if services?.services.values.contains(where: { !$0.subscriptions.isEmpty }) == true {
                tasks.addTask { await self.runEventSubscriptions() }
            }
            tasks.addTask {
                // Returns on SIGTERM or SIGINT (the service group's graceful shutdown) or on
                // `POST /v1/drain`; either way the node drains, then leaves.
                try await self.waitForStopRequest()
                await self.drain()
                await self.leave()
                try await Task.sleep(for: self.configuration.leaveGossipTime)
                // A peer whose view is a moment old may still have sent a call or a write: it
                // must finish here, or the streams closing under it would have the caller run
                // it again elsewhere.
                await self.waitForWorkUnderWay(atMost: self.configuration.drainGracePeriod)
                // From here the API refuses what still arrives, until it stops listening.
                self.shutdown.advance(to: .left)
            }
            _ = try await tasks.next()
            tasks.cancelAll()
        }
        // The call streams to peers stay open: the HTTP API still finishes the requests it has
        // (routing them over these streams) before it stops; `closeConnections` ends them.
        eventBus.closeAll()
        await stateReplica.closeWatches()
    }

    static func addFraming(to channel: any Channel, maxFrameBytes: Int) throws {
        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(LengthPrefixedFrameDecoder(maxFrameBytes: maxFrameBytes)))
        try channel.pipeline.syncOperations.addHandler(MessageToByteHandler(LengthPrefixedFrameEncoder()))
    }

    /// Wakes the state machine at its deadlines; a short cap keeps a deadline moved earlier by
    /// a message (a new suspicion, a relay) from waiting for the old one.
    private func runTimers() async throws {
        while !Task.isCancelled {
            let now = Self.now()
            let deadline = membership.nextDeadline
            if deadline <= now {
                perform(membership.tick(at: now))
                continue
            }
            if now >= nextRevocationGossipAt { gossipRevocations(at: now) }
            if now >= nextMembersSampleAt { sampleMembers(at: now) }
            runEventRounds(at: now)
            announcePlacementChanges(at: now)
            try await Task.sleep(for: min(deadline - now, .milliseconds(20)))
        }
    }

    /// Counts the members by status for the dashboard's chart, once a second.
    private func sampleMembers(at now: Instant) {
        nextMembersSampleAt = now + .seconds(1)
        var alive = membership.isLeaving ? 0 : 1
        var suspect = 0
        var dead = 0
        for member in membership.members {
            switch member.status {
            case .alive: alive += 1
            case .suspect: suspect += 1
            case .dead: dead += 1
            case .left: break
            }
        }
        metrics.recordMembers(alive: alive, suspect: suspect, dead: dead)
    }

    /// Closes the call streams to peers; for after the HTTP API has stopped, when nothing
    /// routes over them any more. A call still waiting on one fails (and is reissued).
    public nonisolated func closeConnections() {
        callChannels.closeAll()
    }

    /// Announces a graceful leave; the timers keep gossiping it until the node stops.
    public func leave() {
        guard !membership.isLeaving else { return }
        logger.info("leaving the mesh")
        perform(membership.leave(at: Self.now()))
    }

    // MARK: - Datagrams

    func receiveDatagram(_ bytes: [UInt8], from source: SocketAddress) {
        metrics.datagramReceived(bytes: bytes.count)
        if configuration.injectedLoss > 0, lossRandom.chance(configuration.injectedLoss) {
            metrics.dropped("injected_loss")
            return
        }
        let envelope: SignedEnvelope
        switch gate.admit(bytes, senderKey: { self.membership.key(for: $0) }) {
        case let .failure(rejection):
            metrics.dropped(rejection.reason)
            if case .unknownSender = rejection, let address = NodeAddress(source) { introduce(to: address) }
            return
        case let .success(admitted):
            envelope = admitted
        }
        switch try? NodePayload(wireBytes: envelope.payload) {
        case let .membership(message) where !message.isStreamShaped:
            guard let address = NodeAddress(source) else {
                metrics.dropped("unusable_source_address")
                return
            }
            perform(deliver(message, from: envelope.sender, address: address))
        case let .revocations(received):
            for revocation in received { learn(revocation) }
        case let .events(message):
            guard let address = NodeAddress(source) else {
                metrics.dropped("unusable_source_address")
                return
            }
            receiveEvents(message, from: envelope.sender, address: address)
        case .membership, .call, .callReply, nil:
            metrics.dropped("malformed_payload")
        }
    }

    /// Hands an authenticated message to the state machine, which checks every claim in it;
    /// returns what it wants to send.
    @discardableResult
    func deliver(_ message: MembershipMessage, from sender: NodeID, address: NodeAddress) -> [MembershipEffect] {
        membership.receive(message, from: sender, address: address, at: Self.now())
    }

    /// A member this node has not heard of yet is gossiping to it (it joined through another
    /// seed, or its alive update has not arrived): exchange state over an authenticated stream
    /// to learn its certificate. At most once per source every few seconds, so a stranger
    /// cannot make this node open streams at will.
    private func introduce(to address: NodeAddress) {
        let now = Self.now()
        if let last = introductions[address], now - last < .seconds(5) { return }
        introductions = introductions.filter { now - $0.value < .seconds(5) }
        // Sources are easy to spoof: bound the streams strangers can make this node open.
        guard introductions.count < 64 else { return }
        introductions[address] = now
        perform(membership.exchangeState(with: address))
    }

    func sendDatagram(_ payload: NodePayload, to address: NodeAddress) {
        guard let destination = resolve(address) else { return }
        let sealed: [UInt8]
        do {
            sealed = try sealer.seal(payload.wireBytes)
        } catch {
            logger.warning("not sending an oversized datagram to \(address): \(error)")
            return
        }
        guard let gossipSocket else { return }
        switch gossipSocket.send(sealed, to: destination) {
        case .sent:
            metrics.datagramSent(bytes: sealed.count)
        case let .failed(reason):
            socketFailed("send", to: address.description, reason: reason)
        }
    }

    /// Counts a socket error and logs it at a bounded rate; the node carries on.
    func socketFailed(_ operation: String, to peer: String, reason: String) {
        metrics.socketError(operation, reason: reason)
        logLimited(.warning, subject: "udp \(operation) \(peer)", reason: reason, "udp \(operation) to \(peer) failed: \(reason); going on")
    }

    /// Logs `message` unless the same subject and reason was logged in the last minute; the
    /// line that breaks a silence says how many were left out. For errors that can repeat as
    /// fast as traffic comes (a dead route, a peer refusing, a stranger's bad handshakes).
    nonisolated func logLimited(_ level: Logger.Level, subject: String, reason: String, _ message: @autoclosure () -> String) {
        guard let unlogged = errorReports.withLock({ $0.report(.init(subject: subject, reason: reason), at: Self.now()) }) else { return }
        let since = unlogged > 0 ? " (and \(unlogged) like it since the last line)" : ""
        logger.log(level: level, "\(message())\(since)")
    }

    private func resolve(_ address: NodeAddress) -> SocketAddress? {
        if let known = resolvedAddresses[address] { return known }
        do {
            let resolved = try SocketAddress.makeAddressResolvingHost(address.host, port: Int(address.port))
            resolvedAddresses[address] = resolved
            return resolved
        } catch {
            logger.warning("cannot resolve \(address): \(error)")
            return nil
        }
    }

    // MARK: - Effects

    func perform(_ effects: [MembershipEffect]) {
        for effect in effects {
            switch effect {
            case let .send(message, address):
                if message.isStreamShaped {
                    Task { await self.exchange(message, with: address) }
                } else {
                    sendDatagram(.membership(message), to: address)
                }
            case let .event(event):
                invalidateRings()
                placementsMayHaveChanged = true
                // A member that (re)appears may hold writes made while it was away, or own keys
                // this node holds: compare state with it now rather than by chance later.
                if event.status == .alive, event.member != id {
                    Task { await self.antiEntropyRound(with: event.member) }
                }
                let name = membership.name(for: event.member)
                announce(event, name: name)
                logger.info("member \(name) (\(event.member.short)) is \(event.status) at incarnation \(event.incarnation)")
            case let .rejectedClaim(claim, rejection):
                metrics.dropped(rejection.rawValue)
                // Attributable: a claim that checks out against no one still names its maker.
                logLimited(.warning, subject: "claim by \(claim.signer)", reason: rejection.rawValue,
                           "not believing \(claim.update) from \(membership.name(for: claim.signer)) (\(claim.signer.short)): \(rejection.rawValue)")
            }
        }
        persistIncarnation()
    }

    /// A refutation raised the incarnation: record it so the next life starts above it.
    func persistIncarnation() {
        guard membership.incarnation > savedIncarnation, let files else { return }
        do {
            try files.writeIncarnation(membership.incarnation)
            savedIncarnation = membership.incarnation
        } catch {
            logger.error("cannot save the incarnation to \(files.incarnationPath): \(error)")
        }
    }
}

extension NodeAddress {
    /// The address a datagram came from, as the state machine names addresses.
    init?(_ socketAddress: SocketAddress) {
        guard let host = socketAddress.ipAddress, let port = socketAddress.port, let valid = try? NodeAddress(host: host, port: UInt16(port)) else {
            return nil
        }
        self = valid
    }
}
