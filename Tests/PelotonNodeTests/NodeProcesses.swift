import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import PelotonCrypto
import PelotonNode

/// Real `peloton node` processes on 127.0.0.1 for end-to-end tests: free ports, a shared
/// development authority in a temporary directory, logs kept for failure reports, and every
/// process killed when the mesh is released.
final class NodeProcesses {
    struct Node {
        let name: String
        let gossipPort: Int
        let httpPort: Int
        var process: Process?
        var url: String { "http://127.0.0.1:\(httpPort)" }
        var gossip: String { "127.0.0.1:\(gossipPort)" }
    }

    let directory: URL
    var nodes: [Node] = []

    init() throws {
        guard FileManager.default.isExecutableFile(atPath: Self.binary) else {
            throw NodeSetupError("\(Self.binary) is missing: build it first with `swift build --product peloton` (Tools/test does)")
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

    /// The `peloton` binary built next to this test bundle (or `PELOTON_BINARY`).
    static var binary: String {
        if let override = ProcessInfo.processInfo.environment["PELOTON_BINARY"] { return override }
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return packageRoot.appendingPathComponent(".build/debug/peloton").path
    }

    /// Adds a node and starts it; `authority` names whose dev authority signs it (default: the
    /// mesh's shared one).
    @discardableResult
    func start(_ name: String, seed: Int? = nil, authority: String = "shared", extra: [String] = []) throws -> Int {
        let node = Node(name: name, gossipPort: try freePort(), httpPort: try freePort(), process: nil)
        nodes.append(node)
        try launch(nodes.count - 1, seed: seed, authority: authority, extra: extra)
        return nodes.count - 1
    }

    /// (Re)starts node `index` with its data directory and ports.
    func launch(_ index: Int, seed: Int? = nil, authority: String = "shared", extra: [String] = []) throws {
        let node = nodes[index]
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        var arguments = [
            "node", "--data", directory.appendingPathComponent(node.name).path, "--dev",
            "--dev-authority", directory.appendingPathComponent("\(authority).key").path,
            "--bind", node.gossip, "--http", "127.0.0.1:\(node.httpPort)", "--log-level", "debug",
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

    func kill(_ index: Int, signal: Int32 = SIGKILL) {
        guard let process = nodes[index].process else { return }
        Foundation.kill(process.processIdentifier, signal)
        process.waitUntilExit()
        nodes[index].process = nil
    }

    func members(of index: Int) async -> MembersView? {
        guard let data = await get("/v1/members", from: index) else { return nil }
        return try? JSONDecoder().decode(MembersView.self, from: data)
    }

    func health(of index: Int) async -> HealthView? {
        guard let data = await get("/v1/health", from: index) else { return nil }
        return try? JSONDecoder().decode(HealthView.self, from: data)
    }

    func metrics(of index: Int) async -> String {
        guard let data = await get("/metrics", from: index) else { return "" }
        return String(decoding: data, as: UTF8.self)
    }

    func get(_ path: String, from index: Int) async -> Data? {
        guard let url = URL(string: nodes[index].url + path) else { return nil }
        guard let (data, response) = try? await URLSession.shared.data(for: URLRequest(url: url, timeoutInterval: 2)),
              (response as? HTTPURLResponse)?.statusCode == 200
        else { return nil }
        return data
    }

    /// Polls until `condition` holds, for at most `seconds`; false when it never did.
    func waitUntil(seconds: Double, _ condition: () async -> Bool) async -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if await condition() { return true }
            try? await Task.sleep(for: .milliseconds(200))
        }
        return await condition()
    }

    /// Status of the member called `name` as node `index` sees it.
    func status(of name: String, seenBy index: Int) async -> String? {
        await members(of: index)?.members.first { $0.name == name }?.status
    }

    /// The last lines of every node's log, for a failing test's report.
    func logs() -> String {
        nodes.map { node in
            let text = (try? String(contentsOf: directory.appendingPathComponent("\(node.name).log"), encoding: .utf8)) ?? ""
            return "== \(node.name)\n" + text.split(separator: "\n").suffix(15).joined(separator: "\n")
        }.joined(separator: "\n")
    }

    /// A port no one listens on now (TCP and UDP both free), from the kernel's ephemeral range.
    private func freePort() throws -> Int {
        for _ in 0..<20 {
            let tcp = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(tcp) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = 0
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(tcp, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard bound == 0 else { continue }
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            _ = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(tcp, $0, &length) }
            }
            let port = Int(UInt16(bigEndian: address.sin_port))
            let used = nodes.contains { $0.gossipPort == port || $0.httpPort == port }
            if !used { return port }
        }
        throw NodeSetupError("no free port found")
    }
}
