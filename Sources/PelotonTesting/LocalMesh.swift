import Foundation
import Logging
import PelotonCrypto
import PelotonJobs
import PelotonMembership
import PelotonNode
import PelotonServices
import PelotonState
import ServiceLifecycle
import Synchronization

/// N real nodes in the test's own process, on 127.0.0.1 with real sockets: the same
/// `MeshNode`, HTTP API, gossip, routing, replicated state and jobs as `peloton node`, with
/// the caller's services. For integration tests of one's own services; no binary needed.
///
/// ```swift
/// let mesh = try await LocalMesh.start(nodes: 3) { [try Inventory.definition()] }
/// defer { mesh.shutdown() }
/// let stock: Inventory.Stock = try await mesh.call("inventory", "restock", Inventory.Restock(sku: "sku-1", quantity: 5), key: "sku-1", via: 2)
/// await mesh.crash(0)
/// ```
///
/// Each node builds its own services from `services` (so in-memory state is not shared by
/// accident) and keeps its data directory across `crash` and `restart`, as a real node does.
public final class LocalMesh: Sendable {
    /// What every node of the mesh is started with.
    public struct Options: Sendable {
        /// How often a node compares its state with a peer's.
        public var stateSyncInterval: Duration = .milliseconds(500)
        /// How long a router waits for one owner before it tries the next.
        public var callAttemptTimeout: Duration = .seconds(2)
        /// The nodes' log level; `.warning` keeps test output quiet.
        public var logLevel: Logger.Level = .warning
        /// Work units a node runs at once.
        public var jobCores = 2

        public init() {}
    }

    /// One node: its name, where it listens, and the running node while it runs.
    public struct Node: Sendable {
        public let name: String
        public let gossipPort: Int
        public let httpPort: Int
        public let id: NodeID
        /// The node while it runs; nil after `crash` or `stop`.
        public internal(set) var running: MeshNode?
        /// The node's HTTP API, e.g. for `URLSession` or `curl` in a test.
        public var url: String { "http://127.0.0.1:\(httpPort)" }
        public var gossip: String { "127.0.0.1:\(gossipPort)" }
    }

    private struct Slot: Sendable {
        var node: Node
        var group: ServiceGroup?
        var task: Task<Void, Never>?
    }

    public let directory: URL
    private let options: Options
    private let makeServices: @Sendable (Int) throws -> [ServiceDefinition]
    private let jobs: [JobDefinition]
    private let slots = Mutex<[Slot]>([])

    /// Starts `nodes` nodes offering what `services` builds (once per node), joined into one
    /// mesh, and returns once every node sees every other alive and all place alike.
    public static func start(
        nodes count: Int, options: Options = Options(), jobs: [JobDefinition] = [], timeout: Duration = .seconds(20),
        services: @escaping @Sendable () throws -> [ServiceDefinition]
    ) async throws -> LocalMesh {
        try await start(nodes: count, options: options, jobs: jobs, timeout: timeout, servicesOf: { _ in try services() })
    }

    /// The same, each node offering what `servicesOf` builds for its index: nodes of
    /// different binaries, offering different services, in one mesh.
    public static func start(
        nodes count: Int, options: Options = Options(), jobs: [JobDefinition] = [], timeout: Duration = .seconds(20),
        servicesOf services: @escaping @Sendable (Int) throws -> [ServiceDefinition]
    ) async throws -> LocalMesh {
        guard (1...64).contains(count) else { throw LocalMeshError("a local mesh has 1 to 64 nodes, not \(count)") }
        let mesh = try LocalMesh(options: options, jobs: jobs, services: services)
        do {
            for _ in 0..<count { try await mesh.addNode() }
            try await mesh.waitUntilFormed(timeout: timeout)
        } catch {
            mesh.shutdown()
            throw error
        }
        return mesh
    }

    private init(options: Options, jobs: [JobDefinition], services: @escaping @Sendable (Int) throws -> [ServiceDefinition]) throws {
        self.options = options
        self.jobs = jobs
        makeServices = services
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("peloton-local-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try Authority.generate().save(to: authorityPath)
    }

    deinit { shutdown() }

    private var authorityPath: String { directory.appendingPathComponent("authority.key").path }

    /// The nodes, in the order they were added; an index names a node in every other call.
    public var nodes: [Node] { slots.withLock { $0.map(\.node) } }
    public var count: Int { slots.withLock { $0.count } }

    public func node(_ index: Int) throws -> MeshNode {
        guard let node = try slot(index).node.running else { throw LocalMeshError("node \(index) is not running") }
        return node
    }

    /// The index of the node with `id`, if it belongs to this mesh.
    public func index(of id: NodeID) -> Int? { slots.withLock { $0.firstIndex { $0.node.id == id } } }

    // MARK: - Membership

    /// Adds a node that joins through the running ones; returns its index.
    @discardableResult
    public func addNode() async throws -> Int {
        let index = count
        let name = "node-\(index)"
        let gossipPort = try LoopbackPorts.free()
        let httpPort = try LoopbackPorts.free()
        let files = NodeFiles(dataDirectory: directory.appendingPathComponent(name).path)
        let credentials = try NodeCredentials.development(files: files, authorityPath: authorityPath, name: name)
        let placeholder = Node(name: name, gossipPort: gossipPort, httpPort: httpPort, id: credentials.identity.nodeID, running: nil)
        slots.withLock { $0.append(Slot(node: placeholder)) }
        try await launch(index, credentials: credentials)
        return index
    }

    /// Starts node `index` again with its data directory and ports, after `crash` or `stop`.
    public func restart(_ index: Int) async throws {
        guard try slot(index).node.running == nil else { throw LocalMeshError("node \(index) is already running") }
        try await launch(index)
    }

    /// Stops node `index` at once, as `kill -9` would: no drain, no leave; peers find out by
    /// probing it.
    public func crash(_ index: Int) async {
        guard let stopped = try? takeRunning(index) else { return }
        stopped.task?.cancel()
        await stopped.task?.value
        stopped.node.running?.closeConnections()
        await waitForPortsReleased(stopped.node)
    }

    /// A stopped node's gossip socket closes when its receive thread notices (a quarter
    /// second at most): a restart must not race it for the port.
    private func waitForPortsReleased(_ node: Node) async {
        try? await waitUntil(timeout: .seconds(5), "") { LoopbackPorts.isFreeForDatagrams(node.gossipPort) }
    }

    /// Stops node `index` gracefully, as SIGTERM does: it drains, hands its state on, leaves.
    public func stop(_ index: Int) async {
        guard let stopped = try? takeRunning(index) else { return }
        await stopped.group?.triggerGracefulShutdown()
        await stopped.task?.value
        await waitForPortsReleased(stopped.node)
    }

    /// Stops every node at once and removes the mesh's directory.
    public func shutdown() {
        let all = slots.withLock { slots in
            defer { for index in slots.indices { slots[index].task = nil; slots[index].group = nil } }
            return slots
        }
        for slot in all {
            slot.task?.cancel()
            slot.node.running?.closeConnections()
        }
        try? FileManager.default.removeItem(at: directory)
    }

    /// Waits until every running node sees every other running node alive and all of them
    /// place services alike (one ring checksum).
    public func waitUntilFormed(timeout: Duration = .seconds(20)) async throws {
        let running = nodes.compactMap(\.running)
        let names = Set(nodes.filter { $0.running != nil }.map(\.name))
        try await waitUntil(timeout: timeout, "the mesh did not form: not every node saw the \(names.count) running nodes alive on one ring") {
            var checksums: Set<String> = []
            for node in running {
                let alive = await node.membersView().members.filter { $0.status == "alive" }.map(\.name)
                guard Set(alive) == names else { return false }
                checksums.insert(await node.ringView().checksum)
            }
            return checksums.count == 1
        }
    }

    /// Waits until `condition` holds, checking every 50 ms, or throws `message` after `timeout`.
    public func waitUntil(timeout: Duration, _ message: String, _ condition: () async throws -> Bool) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while clock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        if try await condition() { return }
        throw LocalMeshError("\(message) within \(timeout)")
    }

    // MARK: - Calls and state

    /// Calls `service.method` through node `via` (which routes it as it routes an HTTP call)
    /// and decodes the JSON reply; throws the call's `CallFailure` when the mesh answers one.
    public func call<Request: Encodable, Reply: Decodable>(
        _ service: String, _ method: String, _ request: Request, key: String? = nil, via index: Int = 0, as _: Reply.Type = Reply.self,
        timeout: Duration = .seconds(5), requestID: RequestID = .random()
    ) async throws -> Reply {
        let routed = try await route(service, method, request, key: key, via: index, timeout: timeout, requestID: requestID)
        switch routed.reply.outcome {
        case let .success(rendered): return try JSONDecoder().decode(Reply.self, from: Data(rendered.body))
        case let .failure(failure): throw failure
        }
    }

    /// The same call, answered with who served it and after how many attempts.
    public func route<Request: Encodable>(
        _ service: String, _ method: String, _ request: Request, key: String? = nil, via index: Int = 0,
        timeout: Duration = .seconds(5), requestID: RequestID = .random()
    ) async throws -> RoutedReply {
        let call = CallRequest(
            id: requestID, service: service, method: method, key: key, body: Array(try JSONEncoder().encode(request)), formats: [MediaType.json],
            budgetMilliseconds: CallRequest.budgetMilliseconds(for: timeout))
        return await try node(index).route(call)
    }

    /// The indices of the owners of (`service`, `key`) as node `seenBy` places them, first
    /// owner first.
    public func owners(of service: String, key: String? = nil, seenBy index: Int = 0) async throws -> [Int] {
        await try node(index).owners(of: service, key: key).compactMap { self.index(of: $0) }
    }

    /// Runs `operation` on the state `key` through node `via`; the key's state after it.
    public func write(
        _ operation: StateOperation, to key: StateKey, level: ConsistencyLevel = .quorum, via index: Int = 0, timeout: Duration = .seconds(5)
    ) async throws -> StateValue {
        try await node(index).writeState(operation, to: key, level: level, budget: timeout).get().state
    }

    /// The state `key` merged from `level` owners, through node `via`; empty when none holds it.
    public func read(_ key: StateKey, level: ConsistencyLevel = .quorum, via index: Int = 0, timeout: Duration = .seconds(5)) async throws -> StateValue {
        try await node(index).readState(key, level: level, budget: timeout).get() ?? .empty(key.kind)
    }

    /// Runs job `name` on `input` through node `via` and decodes its result once it is done;
    /// throws the job's error when it fails.
    public func runJob<Input: Encodable, Output: Decodable>(
        _ name: String, _ input: Input, as _: Output.Type = Output.self, via index: Int = 0, timeout: Duration = .seconds(60)
    ) async throws -> Output {
        let node = try node(index)
        let submitted = try await node.submitJob(name: name, input: Array(try JSONEncoder().encode(input)), priority: 0)
        var finished: JobRecord?
        try await waitUntil(timeout: timeout, "job \(name) (\(submitted.id)) did not finish") {
            finished = try await node.job(submitted.id).flatMap { $0.status.isFinished ? $0 : nil }
            return finished != nil
        }
        guard let record = finished, record.status == .done, let result = record.result else {
            throw LocalMeshError("job \(name) ended \(finished?.status.rawValue ?? "?"): \(finished?.error ?? "no result")")
        }
        return try JSONDecoder().decode(Output.self, from: Data(result.utf8))
    }

    // MARK: - Running one node

    private func slot(_ index: Int) throws -> Slot {
        try slots.withLock { slots in
            guard slots.indices.contains(index) else { throw LocalMeshError("no node \(index): the mesh has \(slots.count)") }
            return slots[index]
        }
    }

    /// Marks node `index` stopped and returns how it ran.
    private func takeRunning(_ index: Int) throws -> Slot {
        try slots.withLock { slots in
            guard slots.indices.contains(index), slots[index].node.running != nil else { throw LocalMeshError("node \(index) is not running") }
            let taken = slots[index]
            slots[index] = Slot(node: taken.node)
            slots[index].node.running = nil
            return taken
        }
    }

    /// Starts node `index`; `credentials` when they were just made (a restart reads them back).
    private func launch(_ index: Int, credentials made: NodeCredentials? = nil) async throws {
        let placed = try slot(index).node
        let seeds = try nodes.filter { $0.running != nil && $0.name != placed.name }.map { try NodeAddress(host: "127.0.0.1", port: UInt16($0.gossipPort)) }
        let files = NodeFiles(dataDirectory: directory.appendingPathComponent(placed.name).path)
        let credentials = try made ?? NodeCredentials.development(files: files, authorityPath: authorityPath, name: placed.name)
        var configuration = try NodeConfiguration(
            bind: try NodeAddress(host: "127.0.0.1", port: UInt16(placed.gossipPort)), seeds: seeds, httpAddress: "127.0.0.1:\(placed.httpPort)")
        configuration.stateSyncInterval = options.stateSyncInterval
        configuration.callAttemptTimeout = options.callAttemptTimeout
        var logger = Logger(label: "peloton.\(placed.name)")
        logger.logLevel = options.logLevel
        // The HTTP server reports a crash (its task cancelled) as errors: not the test's concern.
        var httpLogger = logger
        httpLogger.logLevel = max(options.logLevel, .critical)
        let definitions = try makeServices(index)
        let host = definitions.isEmpty ? nil : try ServiceHost(services: definitions, clock: MeshNode.clock)
        let node = try MeshNode(
            credentials: credentials, configuration: configuration, files: files, services: host, jobs: jobs, jobCores: options.jobCores, logger: logger)
        let api = HTTPAPI.application(
            for: node, configuration: try HTTPAPI.Configuration(host: "127.0.0.1", port: placed.httpPort, bearerToken: nil), logger: httpLogger)
        let group = node.serviceGroup(api: api, logger: logger)
        let ended = Mutex<String?>(nil)
        let task = Task {
            do {
                try await group.run()
                ended.withLock { $0 = "it stopped" }
            } catch {
                ended.withLock { $0 = "\(error)" }
            }
            node.closeConnections()
        }
        slots.withLock { slots in
            slots[index].node.running = node
            slots[index].group = group
            slots[index].task = task
        }
        try await waitUntil(timeout: .seconds(10), "\(placed.name) did not start listening") {
            if let failure = ended.withLock({ $0 }) { throw LocalMeshError("\(placed.name) did not start: \(failure)") }
            return await node.health().status == "ok"
        }
    }
}
