import Foundation
import PelotonProcessMesh
import PelotonNode
import Testing

/// The event bus through real `peloton node` processes: published on one node, delivered by
/// pattern to a subscriber on another, once each; membership changes as system events.
@Suite(.serialized) struct EventEndToEndTests {
    @Test(.timeLimit(.minutes(3))) func eventsReachSubscribersOnOtherNodesByPattern() async throws {
        guard let mesh = try await StateEndToEndTests.mesh(3) else { return }
        // `peloton subscribe` on node 2, for three events.
        let subscriber = Process()
        subscriber.executableURL = URL(fileURLWithPath: mesh.binary)
        subscriber.arguments = ["subscribe", "orders.#", "--count", "3", "--node", mesh.nodes[2].url]
        let output = Pipe()
        subscriber.standardOutput = output
        try subscriber.run()
        defer { if subscriber.isRunning { subscriber.terminate() } }
        // The stream is open once the node has a subscriber; give it a moment, then publish.
        try await Task.sleep(for: .seconds(1))
        for (index, topic) in ["orders.created", "billing.paid", "orders.eu.shipped", "orders.deleted"].enumerated() {
            let published = await mesh.request("POST", "/v1/events/\(topic)", json: #"{"n":\#(index)}"#, via: index % 2)
            #expect(published?.status == 202, "\(published?.body ?? "no answer")")
        }
        let exited = await mesh.waitUntil(seconds: 20) { !subscriber.isRunning }
        #expect(exited, "the subscriber did not get three events\n\(mesh.logs())")
        let lines = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).split(separator: "\n")
        // Each matching event once; gossip does not promise an order.
        #expect(lines.sorted() == [#"orders.created  {"n":0}"#, #"orders.deleted  {"n":3}"#, #"orders.eu.shipped  {"n":2}"#])

        // Every node delivered each event once, including those it did not subscribe to.
        let recent = await mesh.request("GET", "/v1/events?pattern=%23&limit=200", via: 1)
        let events = (try? JSONSerialization.jsonObject(with: Data((recent?.body ?? "[]").utf8)) as? [[String: Any]]) ?? []
        let published = events.filter { !(($0["topic"] as? String) ?? "").hasPrefix("mesh.") }
        #expect(published.count == 4, "\(recent?.body ?? "")")

        // Bad input: a bad topic, a payload too large for a datagram.
        #expect(await mesh.request("POST", "/v1/events/bad..topic", json: "{}", via: 0)?.status == 400)
        let large = await mesh.request("POST", "/v1/events/orders.big", json: String(repeating: "x", count: 2_000), via: 0)
        #expect(large?.status == 413 && large?.body.contains("at most 768 bytes") == true, "\(large?.body ?? "")")
    }

    @Test(.timeLimit(.minutes(3))) func membershipChangesAreSystemEvents() async throws {
        guard let mesh = try await StateEndToEndTests.mesh(3) else { return }
        mesh.kill(2)
        let seen = await mesh.waitUntil(seconds: 60) {
            let recent = await mesh.request("GET", "/v1/events?pattern=mesh.member.dead", via: 0)
            return recent?.body.contains(#"\"name\":\"s2\""#) == true
        }
        #expect(seen, "\(mesh.logs())")
    }
}

extension EventEndToEndTests {
    @Test(.timeLimit(.minutes(3))) func servicesHandleEventsAndStatusSummarisesTheMesh() async throws {
        guard let mesh = try await RoutingEndToEndTests.mesh(3) else { return }
        let published = await mesh.request("POST", "/v1/events/echo.hello", json: #"{"hi":1}"#, via: 2)
        #expect(published?.status == 202)
        // The echo service subscribes to echo.#: the owner that answers has heard it.
        let heard = await mesh.waitUntil(seconds: 20) {
            await mesh.call("echo", "heard", via: 0)?.body == #"{"payload":"{\"hi\":1}","topic":"echo.hello"}"#
        }
        let last = await mesh.call("echo", "heard", via: 0)?.body ?? "no answer"
        #expect(heard, "\(last)\n\(mesh.logs())")

        let status = Process()
        status.executableURL = URL(fileURLWithPath: mesh.binary)
        // Asked of the node that published: it delivered the event at once (another node may
        // still be a gossip round away from it).
        status.arguments = ["status", "--node", mesh.nodes[2].url]
        let output = Pipe()
        status.standardOutput = output
        try status.run()
        status.waitUntilExit()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(status.terminationStatus == 0)
        #expect(text.contains("r2 (") && text.contains("3 alive, 0 suspect, 0 dead, 0 left"), "\(text)")
        #expect(text.contains("echo 1.0.0 ×2 on") && text.contains("echo.hello"), "\(text)")
    }
}

extension EventEndToEndTests {
    @Test(.timeLimit(.minutes(2))) func aWebSocketSubscriberGetsMatchingEventsAndANodeStopClosesIt() async throws {
        let mesh = try ProcessMesh()
        try mesh.start("w0")
        let up = await mesh.waitUntil(seconds: 30) { await mesh.health(of: 0)?.status == "ok" }
        #expect(up)
        let port = mesh.nodes[0].httpPort
        let url = mesh.nodes[0].url
        let outcome = try await WebSocketProbe.run(port: port, path: "/v1/events/orders.%23/ws", count: 2, within: .seconds(20)) {
            for topic in ["orders.created", "billing.paid", "orders.eu.shipped"] {
                _ = await ProcessMesh.request("POST", url + "/v1/events/\(topic)", json: #"{"via":"ws"}"#)
            }
        }
        #expect(outcome.status.contains(" 101 "), "\(outcome.status)")
        let topics = outcome.messages.compactMap { message in
            (try? JSONSerialization.jsonObject(with: Data(message.utf8)) as? [String: Any])?["topic"] as? String
        }
        // Published on this node, so delivered here in the order published.
        #expect(topics == ["orders.created", "orders.eu.shipped"], "\(outcome.messages)")
        #expect(outcome.messages.first?.contains(#""originName":"w0""#) == true && outcome.messages.first?.contains(#""payload":"{\"via\":\"ws\"}""#) == true)

        // A bad pattern is refused before any upgrade; a plain GET is told to upgrade.
        let refused = try await WebSocketProbe.run(port: port, path: "/v1/events/bad..pattern/ws", count: 1, within: .seconds(10))
        #expect(refused.status.contains(" 400 "), "\(refused.status)")
        #expect(await mesh.request("GET", "/v1/events/orders.%23/ws", via: 0)?.status == 426)

        // A node that stops closes its sockets rather than waiting for clients to leave.
        guard let pid = mesh.processID(of: 0) else { return }
        let closing = try await WebSocketProbe.run(port: port, path: "/v1/events/%23/ws", count: 1_000, within: .seconds(30)) {
            kill(pid, SIGTERM)
        }
        #expect(closing.status.contains(" 101 ") && closing.closedByServer, "\(closing)")
        let stopped = await mesh.waitUntil(seconds: 15) { !mesh.isRunning(0) }
        #expect(stopped, "\(mesh.logs())")
    }
}
