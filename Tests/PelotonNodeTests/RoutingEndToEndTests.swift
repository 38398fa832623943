import Foundation
import PelotonProcessMesh
import PelotonTesting
import PelotonNode
import Testing

/// Calls through real `peloton node` processes: routed from any node, answered once per
/// request id, and reissued to the next owner when the first one dies.
@Suite(.serialized) struct RoutingEndToEndTests {
    static let services = ["--services", "echo,counter"]

    /// Starts `count` nodes offering the example services and waits until every node sees the
    /// same ring.
    static func mesh(_ count: Int) async throws -> ProcessMesh? {
        let mesh = try ProcessMesh()
        try mesh.start("r0", extra: services)
        for index in 1..<count { try mesh.start("r\(index)", seed: 0, extra: services) }
        let agreed = await mesh.agreeOnOneRing(seconds: 60)
        #expect(agreed, "the nodes did not agree on one ring\n\(mesh.logs())")
        return agreed ? mesh : nil
    }

    @Test(.timeLimit(.minutes(3))) func anyNodeRoutesAndAnOwnerCrashIsInvisibleToClients() async throws {
        guard let mesh = try await Self.mesh(4), let ring = await mesh.ring(of: 0),
              let echo = ring.services.first(where: { $0.name == "echo" }), let placement = await mesh.placement(of: "echo"),
              let outsider = placement.others.first
        else { return }
        #expect(echo.replicas == 2 && placement.owners.count == 2)
        let id = { (index: Int) in ring.members.first { $0.name == mesh.nodes[index].name }?.id }

        // A node that does not own the service passes the call to the first owner.
        let routed = await mesh.call("echo", "upper", json: #"{"text":"peloton"}"#, via: outsider)
        #expect(routed?.status == 200)
        #expect(routed?.body == #"{"length":7,"text":"PELOTON"}"#)
        #expect(routed?.servedBy == id(placement.owners[0]) && routed?.attempts == 1)
        let html = await mesh.call("echo", "upper.html", json: #"{"text":"<b>"}"#, via: outsider)
        #expect(html?.body == #"<p class="echo">&lt;B&gt;</p>"#)

        // The first owner dies: calls go on, answered by the second, with no error.
        mesh.kill(placement.owners[0])
        for attempt in 0..<10 {
            let reply = await mesh.call("echo", "upper", json: #"{"text":"still here \#(attempt)"}"#, via: outsider)
            #expect(reply?.status == 200, "call \(attempt) failed after the owner died: \(reply?.body ?? "no answer")")
            #expect(reply?.servedBy == id(placement.owners[1]))
        }
        // Once the death is known, the dead owner is no longer asked first.
        let settled = await mesh.waitUntil(seconds: 30) {
            await mesh.call("echo", "echo", json: #"{"text":"x"}"#, via: outsider)?.attempts == 1
        }
        #expect(settled, "calls still try the dead owner first\n\(mesh.logs())")
    }

    @Test(.timeLimit(.minutes(3))) func aRetriedRequestIDRunsOnceAndErrorsAreClear() async throws {
        guard let mesh = try await Self.mesh(3) else { return }
        let id = "00112233445566778899aabbccddeeff"
        let first = await mesh.call("counter", "increment", json: #"{"by":5}"#, key: "apples", via: 0, requestID: id)
        let retried = await mesh.call("counter", "increment", json: #"{"by":5}"#, key: "apples", via: 1, requestID: id)
        #expect(first?.status == 200 && first?.body == #"{"key":"apples","value":5}"#)
        // The same id through another node reaches the same owner, which replays its reply.
        #expect(retried?.body == first?.body)
        let next = await mesh.call("counter", "increment", json: #"{"by":5}"#, key: "apples", via: 2, accept: "text/plain")
        #expect(next?.body == "apples = 10")

        let handlerError = await mesh.call("counter", "increment", json: "{}", via: 0)
        #expect(handlerError?.status == 400 && handlerError?.attempts == 1, "a handler's own error must not be retried")
        #expect(handlerError?.body.contains("counter calls need ?key=NAME") == true)
        let badBody = await mesh.call("echo", "upper", json: #"{"txt":1}"#, via: 0)
        #expect(badBody?.status == 400 && badBody?.body.contains("missing field") == true)
        let noMethod = await mesh.call("echo", "shout", via: 0)
        #expect(noMethod?.status == 404)
        let noService = await mesh.call("nothing", "here", via: 0)
        // No member offers it: 404 naming what is on offer, not "every owner is down".
        #expect(noService?.status == 404 && noService?.body.contains("noSuchService") == true && noService?.body.contains("echo") == true)
        let notAcceptable = await mesh.call("echo", "upper", json: #"{"text":"a"}"#, via: 0, accept: "image/png")
        #expect(notAcceptable?.status == 406)
        let badID = await mesh.call("echo", "upper", json: #"{"text":"a"}"#, via: 0, requestID: "nope")
        #expect(badID?.status == 400)
    }

    @Test(.timeLimit(.minutes(3))) func aSlowHandlerStillAnswersByTheDeadline() async throws {
        guard let mesh = try await Self.mesh(3), let echo = await mesh.placement(of: "echo"),
              let owner = echo.owners.first, let outsider = echo.others.first
        else { return }
        // Run where received (the owner) and forwarded (the outsider): both give up at the
        // deadline with a definite answer, though the handler would take 5 s.
        for via in [owner, outsider] {
            let started = ContinuousClock.now
            let reply = await mesh.call("echo", "delay", json: #"{"text":"slow","milliseconds":5000}"#, via: via, timeoutMilliseconds: 800)
            let took = ContinuousClock.now - started
            #expect(reply?.status == 504, "\(reply?.body ?? "no answer")")
            #expect(reply?.body.contains("deadlineExceeded") == true)
            // Generous: the loaded test machine adds its own delays to the 0.8 s deadline.
            #expect(took < .seconds(4), "answered after \(took)")
        }
    }
}

/// Found in a bench run: a node whose TCP port was taken trapped in NIO instead of saying why.
@Suite struct PortInUseTests {
    /// Runs `peloton node` on `bind` until it exits, or for at most 30 s (a node that started
    /// after all is stopped, and the test fails on its exit status rather than hanging).
    static func runNode(_ mesh: ProcessMesh, name: String, bind: String) throws -> (Process.TerminationReason, Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: mesh.binary)
        process.arguments = ["node", "--data", mesh.directory.appendingPathComponent(name).path, "--dev", "--bind", bind, "--http", "127.0.0.1:\(try LoopbackPorts.free())"]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = Pipe()
        try process.run()
        let watchdog = Process()
        watchdog.executableURL = URL(fileURLWithPath: "/bin/sh")
        watchdog.arguments = ["-c", "sleep 30; kill -9 \(process.processIdentifier) 2>/dev/null"]
        try watchdog.run()
        defer { watchdog.terminate() }
        let output = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationReason, process.terminationStatus, output)
    }

    @Test(.timeLimit(.minutes(3))) func aNodeOnATakenPortExitsWithAClearError() async throws {
        let mesh = try ProcessMesh()
        try mesh.start("holder")
        let up = await mesh.waitUntil(seconds: 60) { await mesh.health(of: 0) != nil }
        #expect(up, "the first node did not start\n\(mesh.logs())")
        guard up else { return }
        let taken = try Self.runNode(mesh, name: "second", bind: mesh.nodes[0].gossip)
        #expect(taken.0 == .exit && taken.1 == 1, "\(taken.2)")
        #expect(taken.2.contains("cannot listen for gossip") && taken.2.contains("(udp)"), "\(taken.2)")
        #expect(!taken.2.contains("crashed"), "\(taken.2)")
        mesh.kill(0)

        // Only the TCP port taken (by a plain listener): the node says so, and does not trap.
        let port = try LoopbackPorts.free()
        let listener = Process()
        listener.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        listener.arguments = ["python3", "-c", "import socket,time; s=socket.socket(); s.bind(('127.0.0.1', \(port))); s.listen(); time.sleep(30)"]
        try listener.run()
        defer { listener.terminate() }
        let listens = await mesh.waitUntil(seconds: 30) { LoopbackPorts.acceptsConnections(port) }
        #expect(listens, "the stand-in TCP listener did not start")
        guard listens else { return }
        let tcpTaken = try Self.runNode(mesh, name: "third", bind: "127.0.0.1:\(port)")
        #expect(tcpTaken.0 == .exit && tcpTaken.1 == 1, "\(tcpTaken.2)")
        // The HTTP API's own log lines may interleave with the message: check its parts.
        #expect(tcpTaken.2.contains("cannot listen for streams") && tcpTaken.2.contains("(tcp)"), "\(tcpTaken.2)")
        #expect(!tcpTaken.2.contains("crashed"), "\(tcpTaken.2)")
    }
}
