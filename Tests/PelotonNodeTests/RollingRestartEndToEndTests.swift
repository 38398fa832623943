import Foundation
import PelotonProcessMesh
import PelotonNode
import Testing

/// Hot upgrade as an operator does it: every node of a 5-node mesh restarted in turn (each
/// drains on SIGTERM, then comes back on its data directory) while clients keep calling and
/// writing. No client sees an error and no acknowledged write is lost.
@Suite(.serialized) struct RollingRestartEndToEndTests {
    @Test(.timeLimit(.minutes(5))) func aRollingRestartUnderLoadFailsNoRequestAndLosesNoWrite() async throws {
        let mesh = try ProcessMesh()
        let extra = RoutingEndToEndTests.services
        try mesh.start("u0", extra: extra, logLevel: "info")
        for index in 1..<5 { try mesh.start("u\(index)", seed: 0, extra: extra, logLevel: "info") }
        guard await mesh.agreeOnOneRing(seconds: 60) else {
            Issue.record("the mesh did not form\n\(mesh.logs())")
            return
        }
        let load = MeshLoad(urls: mesh.nodes.map(\.url), keys: (0..<8).map { "rolling-\($0)" })
        let running = Task { await load.run(workers: 4) }
        try await Task.sleep(for: .seconds(3))
        load.setPhase("restarting")
        let durations = try await mesh.rollingRestart(extra: extra)
        load.setPhase("after")
        try await Task.sleep(for: .seconds(1))
        load.stop()
        let report = await running.value
        #expect(durations?.count == 5, "a node did not stop or the mesh did not come back\n\(mesh.logs())")
        #expect(report.count("restarting") > 40, "too little load to show anything: \(report.count("restarting"))")
        #expect(report.errors.isEmpty, "\(report.errors.count) client-visible errors, first: \(report.errors.prefix(3).map { $0.failure ?? "" })")

        // Every acknowledged increment is there, read from all owners once they agree.
        for key in load.keys {
            let acknowledged = report.acknowledged[key, default: 0]
            let uncertain = report.uncertain[key, default: 0]
            var value = -1
            _ = await mesh.waitUntil(seconds: 20) {
                value = await mesh.counter(key, via: 0) ?? -1
                return value >= acknowledged
            }
            #expect(value >= acknowledged, "\(key): \(value) read back, \(acknowledged) acknowledged")
            #expect(value <= acknowledged + uncertain, """
                \(key): \(value) read back, more than \(acknowledged) acknowledged + \(uncertain) uncertain
                \(mesh.logs().split(separator: "\n").filter { $0.contains("next owner") || $0.contains("still running") }.joined(separator: "\n"))
                """)
        }
    }
}

extension RollingRestartEndToEndTests {
    @Test(.timeLimit(.minutes(3))) func aDrainingNodeIsNoLongerChosenAndStopsByItself() async throws {
        guard let mesh = try await RoutingEndToEndTests.mesh(3) else { return }
        // The node that answers echo's calls first is the one to drain.
        guard let placement = await mesh.placement(of: "echo"), let first = placement.owners.first else { return }
        let observer = (first + 1) % 3
        let drainer = Process()
        drainer.executableURL = URL(fileURLWithPath: mesh.binary)
        drainer.arguments = ["drain", "--node", mesh.nodes[first].url]
        let output = Pipe()
        drainer.standardOutput = output
        try drainer.run()
        // While it drains it still answers, says so in its health, and nobody places anything on it.
        let announced = await mesh.waitUntil(seconds: 10) {
            let health = await mesh.request("GET", "/v1/health", via: first)
            let ring = await mesh.ring(of: observer)
            return health?.status == 503 && health?.body.contains(#""status" : "draining""#) == true
                && ring?.members.contains { $0.name == mesh.nodes[first].name } == false
        }
        #expect(announced, "the drain did not show\n\(mesh.logs())")
        let members = await mesh.members(of: observer)
        #expect(members?.members.first { $0.name == mesh.nodes[first].name }?.isDraining == true)
        let call = await mesh.call("echo", "upper", json: #"{"text":"drain"}"#, via: observer)
        #expect(call?.status == 200 && call?.servedBy != nil)
        #expect(await mesh.ring(of: observer)?.services.first { $0.name == "echo" }?.owners.contains(mesh.nodes[first].name) == false)
        // Then it leaves and exits by itself, and `peloton drain` says so.
        let stopped = await mesh.waitUntil(seconds: 30) { !mesh.isRunning(first) && !drainer.isRunning }
        #expect(stopped, "the drained node did not stop\n\(mesh.logs())")
        let said = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(said.contains("is draining") && said.contains("has left the mesh and stopped"), "\(said)")
        let left = await mesh.waitUntil(seconds: 10) { await mesh.status(of: mesh.nodes[first].name, seenBy: observer) == "left" }
        #expect(left)
    }

    @Test(.timeLimit(.minutes(3))) func callsCanAskForAVersionWhileTwoRunSideBySide() async throws {
        let mesh = try ProcessMesh()
        try mesh.start("v0", extra: ["--services", "echo"])
        try mesh.start("v1", seed: 0, extra: ["--services", "echo"])
        try mesh.start("v2", seed: 0, extra: ["--services", "echo@1.1.0"])
        guard await mesh.agreeOnOneRing(seconds: 60), let ring = await mesh.ring(of: 0),
              let echo = ring.services.first(where: { $0.name == "echo" })
        else {
            Issue.record("the mesh did not form\n\(mesh.logs())")
            return
        }
        #expect(echo.versions == ["1.0.0", "1.1.0"])
        let newID = ring.members.first { $0.name == "v2" }?.id
        // Exactly 1.1.0: only v2 offers it, wherever the ring puts the service.
        for via in 0..<3 {
            let call = await mesh.call("echo", "upper", json: #"{"text":"new"}"#, via: via, version: "1.1.0")
            #expect(call?.status == 200 && call?.servedBy == newID, "\(call?.body ?? "no answer")")
        }
        // The newest first, among the owners: v2 when it is one of them.
        let newest = await mesh.call("echo", "upper", json: #"{"text":"new"}"#, via: 0, version: "newest")
        #expect(newest?.status == 200)
        if echo.owners.contains("v2") { #expect(newest?.servedBy == newID) }
        // A version nobody offers is a clear error, naming what is offered.
        let missing = await mesh.call("echo", "upper", json: #"{"text":"x"}"#, via: 1, version: "2.0.0")
        #expect(missing?.status == 404)
        #expect(missing?.body.contains("no member offers echo 2.0.0 (offered: 1.1.0, 1.0.0)") == true, "\(missing?.body ?? "")")
    }
}
