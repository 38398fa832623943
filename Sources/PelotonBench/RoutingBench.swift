import Foundation
import PelotonProcessMesh
import PelotonNode
import PelotonSimulator
import PelotonTesting

/// `Tools/bench routing`: HTTP calls under load from wrk (Debian's package) on loopback, all
/// on this one 2-core machine, so wrk, the nodes and the baseline share the cores:
/// (a) a call answered by the node that received it (it owns the service),
/// (b) a call received by a non-owner and forwarded to the owner,
/// (c) a Hummingbird hello-world server: this machine's ceiling for HTTP,
/// (d) failover: the owner is killed mid-run; errors seen by the client and p99 across it.
func runRoutingBench() async throws {
    let binary = ProcessMesh.binary(configuration: "release")
    let connections = 32
    let seconds = 10
    print("routing over HTTP (wrk, \(connections) connections, \(seconds) s per run, release processes on 127.0.0.1)")
    print("    case                                requests/s   p50 ms   p99 ms   errors")
    func row(_ name: String, _ result: WrkResult) {
        print("    " + [name.padding(toLength: 34, withPad: " ", startingAt: 0), pad(format(result.requestsPerSecond), 11), pad(format(result.p50Milliseconds), 7),
                       pad(format(result.p99Milliseconds), 7), pad(result.errors, 7)].joined(separator: "  "))
    }

    guard let echoMesh = try await EchoMesh.start(binary: binary) else { return }
    defer { echoMesh.stop() }
    let (mesh, owner, outsider, script, path) = (echoMesh.mesh, echoMesh.owner, echoMesh.outsider, echoMesh.script, EchoMesh.path)
    let baselinePort = try LoopbackPorts.free()
    let baseline = Process()
    baseline.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
    baseline.arguments = ["hello-server", String(baselinePort)]
    try baseline.run()
    defer { baseline.terminate() }

    let local = try wrk(url: mesh.nodes[owner].url + path, script: script.path, connections: connections, seconds: seconds)
    row("(a) answered where received", local)
    let forwarded = try wrk(url: mesh.nodes[outsider].url + path, script: script.path, connections: connections, seconds: seconds)
    row("(b) forwarded to the owner", forwarded)
    let hello = try wrk(url: "http://127.0.0.1:\(baselinePort)/", script: nil, connections: connections, seconds: seconds)
    row("(c) Hummingbird hello world", hello)
    print("    forwarded / baseline: \(format(100 * forwarded.requestsPerSecond / max(hello.requestsPerSecond, 1)))%;"
          + " forwarded / local: \(format(100 * forwarded.requestsPerSecond / max(local.requestsPerSecond, 1)))%")

    // Failover: load through the non-owner, kill the owner a third of the way in.
    // (A separate process does the kill, so nothing here needs to share the mesh across tasks.)
    guard let victim = mesh.processID(of: owner) else { return }
    let killer = Process()
    killer.executableURL = URL(fileURLWithPath: "/bin/sh")
    killer.arguments = ["-c", "sleep \(seconds / 3); kill -9 \(victim)"]
    try killer.run()
    let failover = try wrk(url: mesh.nodes[outsider].url + path, script: script.path, connections: connections, seconds: seconds)
    killer.waitUntilExit()
    mesh.kill(owner)
    row("(d) owner killed under load", failover)
    print("    (d) errors are responses that were not 200 plus socket errors, over \(format(failover.requests)) requests")
}

/// Three release nodes offering `echo`, agreed on one ring: the owner of its unkeyed calls, a
/// node that forwards them, and wrk's script for a call; warmed up.
struct EchoMesh {
    static let path = "/v1/call/echo/upper"
    let mesh: ProcessMesh
    let owner: Int
    let outsider: Int
    let script: URL

    /// Three nodes of `binary` offering echo, each started with `extra` flags too.
    static func start(binary: String, extra: [String] = []) async throws -> EchoMesh? {
        let mesh = try ProcessMesh(binary: binary)
        try mesh.start("b0", extra: ["--services", "echo"] + extra, logLevel: "warning")
        for index in 1..<3 { try mesh.start("b\(index)", seed: 0, extra: ["--services", "echo"] + extra, logLevel: "warning") }
        guard await mesh.agreeOnOneRing(seconds: 30), let echo = await mesh.placement(of: "echo"),
              let owner = echo.owners.first, let outsider = echo.others.first
        else {
            print("    the mesh did not form\n\(mesh.logs())")
            for index in mesh.nodes.indices { mesh.kill(index) }
            return nil
        }
        let script = FileManager.default.temporaryDirectory.appendingPathComponent("peloton-wrk-\(getpid())-\(UUID().uuidString.prefix(8)).lua")
        try """
            wrk.method = "POST"
            wrk.body = '{"text":"hello"}'
            wrk.headers["Content-Type"] = "application/json"
            """.write(to: script, atomically: true, encoding: .utf8)
        // Warm up the call streams and the cache-cold paths.
        _ = try wrk(url: mesh.nodes[outsider].url + path, script: script.path, connections: 4, seconds: 2)
        return EchoMesh(mesh: mesh, owner: owner, outsider: outsider, script: script)
    }

    func stop() {
        for index in mesh.nodes.indices { mesh.kill(index) }
        try? FileManager.default.removeItem(at: script)
    }
}

struct WrkResult {
    var requests = 0.0
    var requestsPerSecond = 0.0
    var p50Milliseconds = Double.nan
    var p99Milliseconds = Double.nan
    var errors = 0
}

/// Runs wrk and reads its summary: requests/s, the latency percentiles of `--latency`,
/// non-2xx responses and socket errors.
func wrk(url: String, script: String?, connections: Int, seconds: Int) throws -> WrkResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/wrk")
    process.arguments = ["-t2", "-c\(connections)", "-d\(seconds)s", "--latency", "--timeout", "5s"] + (script.map { ["-s", $0] } ?? []) + [url]
    let output = Pipe()
    process.standardOutput = output
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    var result = WrkResult()
    for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
        let fields = line.split(separator: " ", omittingEmptySubsequences: true)
        guard let first = fields.first else { continue }
        switch first {
        case "Requests/sec:": result.requestsPerSecond = Double(fields.last ?? "") ?? 0
        case "50%": result.p50Milliseconds = milliseconds(fields.last)
        case "99%": result.p99Milliseconds = milliseconds(fields.last)
        case "Non-2xx": result.errors += Int(fields.last ?? "") ?? 0
        case "Socket":
            // "Socket errors: connect 0, read 1, write 0, timeout 0"
            result.errors += fields.compactMap { Int($0.trimmingCharacters(in: CharacterSet(charactersIn: ","))) }.reduce(0, +)
        default:
            if line.contains("requests in"), let count = Double(first) { result.requests = count }
        }
    }
    return result
}

private func milliseconds(_ text: Substring?) -> Double {
    guard let text else { return .nan }
    for (suffix, scale) in [("us", 0.001), ("ms", 1.0), ("s", 1000.0)] where text.hasSuffix(suffix) {
        return (Double(text.dropLast(suffix.count)) ?? .nan) * scale
    }
    return .nan
}
