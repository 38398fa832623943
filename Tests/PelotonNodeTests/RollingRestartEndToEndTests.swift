import Foundation
import PelotonLocalMesh
import PelotonNode
import Testing

/// Hot upgrade as an operator does it: every node of a 5-node mesh restarted in turn (each
/// drains on SIGTERM, then comes back on its data directory) while clients keep calling and
/// writing. No client sees an error and no acknowledged write is lost.
@Suite(.serialized) struct RollingRestartEndToEndTests {
    @Test(.timeLimit(.minutes(5))) func aRollingRestartUnderLoadFailsNoRequestAndLosesNoWrite() async throws {
        let mesh = try LocalMesh()
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
                let read = await mesh.request("GET", "/v1/state/counter/\(key)?level=all", via: 0)
                let json = (try? JSONSerialization.jsonObject(with: Data((read?.body ?? "{}").utf8))) as? [String: Any]
                value = (json?["value"] as? Int) ?? -1
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
