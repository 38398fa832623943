import Foundation
import PelotonExamples
import PelotonProcessMesh
import PelotonMembership
import PelotonNode
import PelotonServices
import PelotonState
import Testing

/// `PelotonClient` over the native stream protocol against real nodes.
@Suite(.serialized) struct ClientEndToEndTests {
    static func client(of mesh: ProcessMesh, node index: Int, authority: String = "shared", name: String) throws -> PelotonClient {
        let files = NodeFiles(dataDirectory: mesh.directory.appendingPathComponent(name).path)
        let credentials = try NodeCredentials.development(files: files, authorityPath: mesh.authorityPath(authority), name: name)
        return PelotonClient(node: try NodeAddress(parsing: mesh.nodes[index].gossip), credentials: credentials)
    }

    @Test(.timeLimit(.minutes(3))) func aClientWithACertificateCallsThroughAnyNode() async throws {
        guard let mesh = try await RoutingEndToEndTests.mesh(3) else { return }
        let client = try Self.client(of: mesh, node: 1, name: "client-1")
        defer { client.close() }
        let echoed = try await client.call("echo", "upper", EchoService.Message(text: "native"), as: EchoService.Echoed.self)
        #expect(echoed.text == "NATIVE" && echoed.length == 6)

        // One id, sent twice: the owner runs it once.
        let id = RequestID.random()
        let first = try await client.call("counter", "increment", key: "pears", CounterService.Increment(by: 2), as: CounterService.Count.self, requestID: id)
        let again = try await client.call("counter", "increment", key: "pears", CounterService.Increment(by: 2), as: CounterService.Count.self, requestID: id)
        #expect(first.value == 2 && again.value == 2)

        await #expect(throws: CallFailure(.handler, status: 400, "counter calls need ?key=NAME")) {
            _ = try await client.call("counter", "increment", CounterService.Increment(by: 1), as: CounterService.Count.self)
        }
        await #expect(throws: CallFailure.self) {
            _ = try await client.call("nothing", "here", CounterService.Empty(), as: CounterService.Empty.self)
        }
    }

    @Test(.timeLimit(.minutes(3))) func oneStreamCannotRunMoreCallsThanItsLimit() async throws {
        let mesh = try ProcessMesh()
        try mesh.start("busy", extra: RoutingEndToEndTests.services + ["--max-calls-per-stream", "2"])
        let up = await mesh.waitUntil(seconds: 60) { await mesh.health(of: 0) != nil }
        #expect(up, "the node did not start\n\(mesh.logs())")
        guard up else { return }
        let client = try Self.client(of: mesh, node: 0, name: "eager")
        defer { client.close() }
        // Four slow calls at once on one stream: two run, the others are refused at once.
        let outcomes = await withTaskGroup(of: CallFailure.Code?.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    do {
                        _ = try await client.call("echo", "delay", EchoService.Delayed(text: "wait", milliseconds: 1_500), as: EchoService.Echoed.self)
                        return nil
                    } catch let failure as CallFailure {
                        return failure.code
                    } catch {
                        return .unavailable
                    }
                }
            }
            var outcomes: [CallFailure.Code?] = []
            for await outcome in group { outcomes.append(outcome) }
            return outcomes
        }
        #expect(outcomes.filter { $0 == nil }.count == 2, "\(outcomes)")
        #expect(outcomes.filter { $0 == .overloaded }.count == 2, "\(outcomes)")
        let metrics = await mesh.metrics(of: 0)
        #expect(metrics.contains("peloton_dropped_total{reason=\"calls_in_flight_limit\"} 2"), "\(metrics)")
    }

    @Test(.timeLimit(.minutes(3))) func aClientFromAnotherAuthorityIsRefused() async throws {
        let mesh = try ProcessMesh()
        try mesh.start("lonely", extra: RoutingEndToEndTests.services)
        let up = await mesh.waitUntil(seconds: 60) { await mesh.health(of: 0) != nil }
        #expect(up, "the node did not start\n\(mesh.logs())")
        guard up else { return }
        let stranger = try Self.client(of: mesh, node: 0, authority: "other", name: "stranger")
        await #expect(throws: (any Error).self) {
            _ = try await stranger.call("echo", "upper", EchoService.Message(text: "let me in"), as: EchoService.Echoed.self)
        }
        let counted = await mesh.waitUntil(seconds: 30) {
            await mesh.metrics(of: 0).contains("peloton_dropped_total{reason=\"handshake_")
        }
        let metrics = await mesh.metrics(of: 0)
        #expect(counted, "the refused handshake was not counted\n\(metrics)")
    }
}

extension ClientEndToEndTests {
    @Test(.timeLimit(.minutes(3))) func aClientReadsAndWritesStateButCannotMergeIt() async throws {
        guard let mesh = try await RoutingEndToEndTests.mesh(3) else { return }
        let client = try Self.client(of: mesh, node: 2, name: "client-state")
        defer { client.close() }
        let hits = try StateKey(kind: .counter, name: "client-hits")
        _ = try await client.write(.add(4), to: hits)
        let written = try await client.write(.add(-1), to: hits, level: .all)
        #expect(written.json == .number(3))
        #expect(try await client.read(hits, level: .all).json == .number(3))
        let tags = try StateKey(kind: .set, name: "client-tags")
        _ = try await client.write(.insert(["a", "b"]), to: tags)
        #expect(try await client.read(tags).json == .strings(["a", "b"]))
        await #expect(throws: CallFailure.self) { _ = try await client.write(.enable, to: tags) }

        // Merges are between nodes: a client may not plant state.
        let merge = StateRequest.merge([hits: .counter(PNCounter())])
        let reply = try await client.send(CallRequest(service: StateKey.placementService, method: "state", body: merge.wireBytes, budgetMilliseconds: 2_000))
        guard case let .failure(failure) = reply.outcome else {
            Issue.record("a client's merge was accepted")
            return
        }
        #expect(failure.code == .badRequest)

        // The example counter service keeps its counts in the replicated state.
        let counted = try await client.call("counter", "increment", key: "plums", CounterService.Increment(by: 7), as: CounterService.Count.self)
        #expect(counted.value == 7)
        let stored = try await client.read(StateKey(kind: .counter, name: "counter-service.plums"), level: .all)
        #expect(stored.json == .number(7))
        // ... and announces each increment on the event bus, which reaches every node.
        let announced = await mesh.waitUntil(seconds: 20) {
            await mesh.request("GET", "/v1/events?pattern=counter.%23", via: 0)?.body.contains(#"\"key\":\"plums\""#) == true
        }
        #expect(announced, "\(mesh.logs())")
    }
}
