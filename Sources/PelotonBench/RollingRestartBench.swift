import Foundation
import PelotonProcessMesh
import PelotonSimulator

/// `Tools/bench rolling` (and `Tools/rolling-restart`): a hot upgrade of 5 real nodes (release
/// build) on loopback. Clients (MeshLoad: 4 workers alternating a routed call and a quorum
/// increment, failing over to the next node when one does not answer) run throughout; every
/// node is restarted in turn with SIGTERM, so each drains before it leaves. Reports errors,
/// latency in steady state against during the restarts, and whether any acknowledged write is
/// missing afterwards.
func runRollingRestartBench() async throws {
    let mesh = try ProcessMesh(binary: ProcessMesh.binary(configuration: "release"))
    let extra = ["--services", "echo,counter"]
    try mesh.start("node-0", extra: extra, logLevel: "warning")
    for index in 1..<5 { try mesh.start("node-\(index)", seed: 0, extra: extra, logLevel: "warning") }
    guard await mesh.agreeOnOneRing(seconds: 60) else {
        print("rolling restart: the mesh did not form")
        return
    }
    print("rolling restart of 5 real nodes under load (release; 4 clients alternating echo.upper and a quorum counter increment)")
    let load = MeshLoad(urls: mesh.nodes.map(\.url), keys: (0..<16).map { "bench-\($0)" })
    let running = Task { await load.run(workers: 4) }
    try await Task.sleep(for: .seconds(10))
    load.setPhase("restarting")
    let restartsBegan = ContinuousClock.now
    let durations = try await mesh.rollingRestart(extra: extra) { index in
        FileHandle.standardError.write(Data("  restarting node-\(index)…\n".utf8))
    }
    load.setPhase("after")
    let restarting = ContinuousClock.now - restartsBegan
    try await Task.sleep(for: .seconds(5))
    load.stop()
    let report = await running.value
    guard let durations else {
        print("  a node did not stop or the mesh did not come back; logs:\n\(mesh.logs())")
        return
    }
    print("  each restart (SIGTERM → drained, left, started again → one ring on every node): " + durations.map { format($0) + " s" }.joined(separator: ", "))
    print("    phase        requests  errors   req/s   p50 ms   p99 ms  max ms")
    let seconds = ["steady": 10.0, "restarting": Double(restarting.components.seconds) + Double(restarting.components.attoseconds) / 1e18, "after": 5.0]
    for phase in ["steady", "restarting", "after"] {
        let count = report.count(phase)
        let errors = report.errors.filter { $0.phase == phase }.count
        let cells = [pad(phase, 10), pad(count, 10), pad(errors, 7), pad(format(Double(count) / (seconds[phase] ?? 1)), 7),
                     pad(format(report.latencyMilliseconds(phase, percentile: 0.5) ?? .nan), 8),
                     pad(format(report.latencyMilliseconds(phase, percentile: 0.99) ?? .nan), 8),
                     pad(format(report.latencyMilliseconds(phase, percentile: 1) ?? .nan), 7)]
        print("    " + cells.joined(separator: " "))
    }
    for error in report.errors.prefix(5) { print("    error (\(error.phase)): \(error.failure ?? "")") }
    var missing = 0, beyond = 0, acknowledged = 0
    for key in load.keys {
        let value = await mesh.counter(key, via: 0) ?? 0
        let acked = report.acknowledged[key, default: 0]
        acknowledged += acked
        missing += max(0, acked - value)
        beyond += max(0, value - acked)
    }
    print("  state: \(acknowledged) increments acknowledged at quorum; read back at level all: \(missing) missing, \(beyond) beyond the acknowledged (increments whose answer was lost count there)")
}
