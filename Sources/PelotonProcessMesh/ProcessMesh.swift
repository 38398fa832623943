import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import PelotonCrypto
import PelotonNode
import PelotonTesting
import Synchronization

/// Real `peloton node` processes on 127.0.0.1, for end-to-end tests and `Tools/bench
/// membership-real`: free ports, development authorities in a temporary directory, logs kept
/// for failure reports, and every process killed when the mesh is released.
public final class ProcessMesh {
    public struct Node: Sendable {
        public let name: String
        public let gossipPort: Int
        public let httpPort: Int
        var process: Process?
        public var url: String { "http://127.0.0.1:\(httpPort)" }
        public var gossip: String { "127.0.0.1:\(gossipPort)" }
        public var isRunning: Bool { process != nil }
    }

    public let directory: URL
    public let binary: String
    public private(set) var nodes: [Node] = []

    /// `binary` defaults to the debug build of `peloton` in this package.
    public init(binary: String = ProcessMesh.defaultBinary) throws {
        self.binary = binary
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw NodeSetupError("\(binary) is missing: build it first with `swift build --product peloton` (Tools/test does)")
        }
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("peloton-e2e-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        // Made up front: nodes started together would race to create a missing one.
        for name in ["shared", "other"] {
            try Authority.generate().save(to: directory.appendingPathComponent("\(name).key").path)
        }
    }

    deinit {
        for node in nodes { node.process?.terminate() }
        try? FileManager.default.removeItem(at: directory)
    }

    /// This package's debug build of `peloton` (or `PELOTON_BINARY`).
    public static var defaultBinary: String { binary(configuration: "debug") }

    public static func binary(configuration: String) -> String {
        if let override = ProcessInfo.processInfo.environment["PELOTON_BINARY"] { return override }
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return packageRoot.appendingPathComponent(".build/\(configuration)/peloton").path
    }

    /// The authority key file a node started with `authority:` uses.
    public func authorityPath(_ name: String = "shared") -> String {
        directory.appendingPathComponent("\(name).key").path
    }

    /// Adds a node and starts it; `authority` names whose dev authority signs it (default: the
    /// mesh's shared one).
    @discardableResult
    public func start(
        _ name: String, seed: Int? = nil, authority: String = "shared", extra: [String] = [], logLevel: String = "debug"
    ) throws -> Int {
        let node = Node(name: name, gossipPort: try LoopbackPorts.free(), httpPort: try LoopbackPorts.free(), process: nil)
        nodes.append(node)
        try launch(nodes.count - 1, seed: seed, authority: authority, extra: extra, logLevel: logLevel)
        return nodes.count - 1
    }

    /// (Re)starts node `index` with its data directory and ports.
    public func launch(_ index: Int, seed: Int? = nil, authority: String = "shared", extra: [String] = [], logLevel: String = "debug") throws {
        let node = nodes[index]
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        var arguments = [
            "node", "--data", directory.appendingPathComponent(node.name).path, "--dev",
            "--dev-authority", directory.appendingPathComponent("\(authority).key").path,
            "--bind", node.gossip, "--http", "127.0.0.1:\(node.httpPort)", "--log-level", logLevel,
        ]
        if let seed { arguments += ["--seed", nodes[seed].gossip] }
        process.arguments = arguments + extra
        let log = directory.appendingPathComponent("\(node.name).log")
        if !FileManager.default.fileExists(atPath: log.path) { _ = FileManager.default.createFile(atPath: log.path, contents: nil) }
        let handle = try FileHandle(forWritingTo: log)
        handle.seekToEndOfFile()
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        nodes[index].process = process
    }

    /// Runs `peloton revoke` with the mesh's shared authority: node `index` gets the revocation
    /// of `nodeID` and spreads it. Returns the command's exit status.
    public func revoke(_ nodeID: String, via index: Int) throws -> Int32 {
        let revoke = Process()
        revoke.executableURL = URL(fileURLWithPath: binary)
        revoke.arguments = ["revoke", "--authority-key", authorityPath(), "--node-id", nodeID, "--node", nodes[index].url]
        try revoke.run()
        revoke.waitUntilExit()
        return revoke.terminationStatus
    }

    /// Sends `signal` to node `index` and, unless `wait` is false, waits for it to exit.
    public func kill(_ index: Int, signal: Int32 = SIGKILL, wait: Bool = true) {
        guard let process = nodes[index].process else { return }
        Foundation.kill(process.processIdentifier, signal)
        guard wait else { return }
        process.waitUntilExit()
        nodes[index].process = nil
    }

    /// Whether node `index`'s process is still running (it may be stopping after a signal).
    public func isRunning(_ index: Int) -> Bool { nodes[index].process?.isRunning ?? false }

    /// The process id of node `index`, while it runs.
    public func processID(of index: Int) -> Int32? { nodes[index].process?.processIdentifier }

    public func members(of index: Int) async -> MembersView? {
        await Self.members(at: nodes[index].url)
    }

    static func members(at baseURL: String) async -> MembersView? {
        guard let data = await get("/v1/members", from: baseURL) else { return nil }
        return try? JSONDecoder().decode(MembersView.self, from: data)
    }

    public func health(of index: Int) async -> HealthView? {
        guard let data = await get("/v1/health", from: index) else { return nil }
        return try? JSONDecoder().decode(HealthView.self, from: data)
    }

    public func ring(of index: Int) async -> RingView? {
        guard let data = await get("/v1/ring", from: index) else { return nil }
        return try? JSONDecoder().decode(RingView.self, from: data)
    }

    /// Each member's id by name, as node `index` sees the ring.
    public func memberIDs(seenBy index: Int) async -> [String: String] {
        Dictionary((await ring(of: index))?.members.map { ($0.name, $0.id) } ?? [], uniquingKeysWith: { first, _ in first })
    }

    /// Waits until every node answers with a ring of all the nodes, the same checksum on each.
    public func agreeOnOneRing(seconds: Double) async -> Bool {
        await waitUntil(seconds: seconds) {
            var checksums: Set<String> = []
            for index in nodes.indices {
                guard let ring = await ring(of: index), ring.members.count == nodes.count else { return false }
                checksums.insert(ring.checksum)
            }
            return checksums.count == 1
        }
    }

    /// Where node `observer` places `service`'s unkeyed calls: the owners' node indices in
    /// preference order, and the nodes that do not own it.
    public func placement(of service: String, seenBy observer: Int = 0) async -> (owners: [Int], others: [Int])? {
        guard let owners = await ring(of: observer)?.services.first(where: { $0.name == service })?.owners else { return nil }
        let indices = owners.compactMap { name in nodes.firstIndex { $0.name == name } }
        return (indices, nodes.indices.filter { !indices.contains($0) })
    }

    /// What `POST /v1/call/...` answered.
    public struct CallResult: Sendable {
        public let status: Int
        public let body: String
        public let servedBy: String?
        public let attempts: Int?
    }

    /// Calls `service.method` through node `index`; nil when the node did not answer at all.
    public func call(
        _ service: String, _ method: String, json: String = "{}", key: String? = nil, via index: Int, requestID: String? = nil,
        accept: String? = nil, timeoutMilliseconds: Int = 5_000, version: String? = nil
    ) async -> CallResult? {
        var components = URLComponents(string: nodes[index].url + "/v1/call/\(service)/\(method)")
        components?.queryItems = [URLQueryItem(name: "timeout_ms", value: String(timeoutMilliseconds))] + (key.map { [URLQueryItem(name: "key", value: $0)] } ?? [])
            + (version.map { [URLQueryItem(name: "version", value: $0)] } ?? [])
        guard let url = components?.url else { return nil }
        var request = URLRequest(url: url, timeoutInterval: Double(timeoutMilliseconds) / 1000 + 5)
        request.httpMethod = "POST"
        request.httpBody = Data(json.utf8)
        if let requestID { request.setValue(requestID, forHTTPHeaderField: "X-Request-Id") }
        if let accept { request.setValue(accept, forHTTPHeaderField: "Accept") }
        guard let (data, response) = try? await URLSession.shared.data(for: request), let http = response as? HTTPURLResponse else { return nil }
        return CallResult(
            status: http.statusCode, body: String(decoding: data, as: UTF8.self), servedBy: http.value(forHTTPHeaderField: "X-Peloton-Served-By"),
            attempts: http.value(forHTTPHeaderField: "X-Peloton-Attempts").flatMap { Int($0) })
    }

    /// An HTTP request to node `index`: the status and body, or nil when it did not answer.
    public func request(
        _ method: String, _ path: String, json: String? = nil, headers: [String: String] = [:], via index: Int, timeoutSeconds: Double = 10
    ) async -> (status: Int, body: String)? {
        await Self.request(method, nodes[index].url + path, json: json, headers: headers, timeoutSeconds: timeoutSeconds)
    }

    /// An HTTP request to any URL; for `@Sendable` code, where the mesh itself cannot go.
    public static func request(
        _ method: String, _ address: String, json: String? = nil, headers: [String: String] = [:], timeoutSeconds: Double = 10
    ) async -> (status: Int, body: String)? {
        guard let url = URL(string: address) else { return nil }
        var request = URLRequest(url: url, timeoutInterval: timeoutSeconds)
        request.httpMethod = method
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        if let json { request.httpBody = Data(json.utf8) }
        guard let (data, response) = try? await URLSession.shared.data(for: request), let http = response as? HTTPURLResponse else { return nil }
        return (http.statusCode, String(decoding: data, as: UTF8.self))
    }

    /// The value of counter `key` read through node `index` at `level`; nil when unanswered.
    public func counter(_ key: String, level: String = "all", via index: Int) async -> Int? {
        guard let read = await request("GET", "/v1/state/counter/\(key)?level=\(level)", via: index), read.status == 200 else { return nil }
        return ((try? JSONSerialization.jsonObject(with: Data(read.body.utf8))) as? [String: Any])?["value"] as? Int
    }

    public func metrics(of index: Int) async -> String {
        guard let data = await get("/metrics", from: index) else { return "" }
        return String(decoding: data, as: UTF8.self)
    }

    public func get(_ path: String, from index: Int) async -> Data? {
        await Self.get(path, from: nodes[index].url)
    }

    static func get(_ path: String, from baseURL: String) async -> Data? {
        guard let url = URL(string: baseURL + path) else { return nil }
        guard let (data, response) = try? await URLSession.shared.data(for: URLRequest(url: url, timeoutInterval: 2)),
              (response as? HTTPURLResponse)?.statusCode == 200
        else { return nil }
        return data
    }

    /// Polls until `condition` holds, for at most `seconds`; false when it never did.
    public func waitUntil(seconds: Double, _ condition: () async -> Bool) async -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if await condition() { return true }
            try? await Task.sleep(for: .milliseconds(200))
        }
        return await condition()
    }

    /// Status of the member called `name` as node `index` sees it.
    public func status(of name: String, seenBy index: Int) async -> String? {
        await members(of: index)?.members.first { $0.name == name }?.status
    }

    /// What each of `observers` says of `name`'s status, asked concurrently.
    public func statuses(of name: String, seenBy observers: [Int]) async -> [String?] {
        await concurrently(observers) { url in await Self.members(at: url)?.members.first { $0.name == name }?.status }
    }

    /// How many alive members each of `observers` sees, asked concurrently (-1: no answer).
    public func aliveCounts(seenBy observers: [Int]) async -> [Int] {
        await concurrently(observers) { url in
            await Self.members(at: url)?.members.filter { $0.status == "alive" }.count ?? -1
        }
    }

    /// Runs `body` on each node's API URL at once; results in the order of `indices`.
    private func concurrently<Value: Sendable>(_ indices: [Int], _ body: @escaping @Sendable (String) async -> Value) async -> [Value] {
        let urls = indices.map { nodes[$0].url }
        return await withTaskGroup(of: (Int, Value).self) { group in
            for (position, url) in urls.enumerated() { group.addTask { (position, await body(url)) } }
            var results = [(Int, Value)]()
            for await result in group { results.append(result) }
            return results.sorted { $0.0 < $1.0 }.map(\.1)
        }
    }

    /// The last lines of every node's log, for a failing test's report.
    public func logs() -> String {
        nodes.map { node in
            let text = (try? String(contentsOf: directory.appendingPathComponent("\(node.name).log"), encoding: .utf8)) ?? ""
            return "== \(node.name)\n" + text.split(separator: "\n").suffix(40).joined(separator: "\n")
        }.joined(separator: "\n")
    }
}

extension ProcessMesh {
    /// Restarts every node in turn, as an upgrade would: SIGTERM (the node drains, then
    /// leaves), then the same binary on the same data directory and ports, joining through the
    /// next node. The next restart waits until every node agrees on one ring with all of them
    /// in it, and `settle` seconds more. Returns each restart's seconds, from SIGTERM to that
    /// agreement; nil when a node did not stop or the mesh did not agree in time.
    public func rollingRestart(extra: [String], settle: Double = 1, onEach: (Int) -> Void = { _ in }) async throws -> [Double]? {
        var durations: [Double] = []
        for index in nodes.indices {
            onEach(index)
            let started = Date()
            kill(index, signal: SIGTERM, wait: false)
            guard await waitUntil(seconds: 30, { !isRunning(index) }) else { return nil }
            try launch(index, seed: (index + 1) % nodes.count, extra: extra)
            guard await agreeOnOneRing(seconds: 60) else { return nil }
            durations.append(Date().timeIntervalSince(started))
            try? await Task.sleep(for: .milliseconds(Int64(settle * 1000)))
        }
        return durations
    }
}
