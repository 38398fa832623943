import Foundation
import PelotonExamples
import PelotonServices
import PelotonState
import PelotonTesting
import Testing

/// The test kit's in-process mesh runs the real node: calls route to owners, state survives
/// an owner's crash, and a crashed node comes back with its data.
@Suite(.timeLimit(.minutes(2))) struct LocalMeshEndToEndTests {
    @Test func aCallReachesItsOwnerFromAnyNodeAndSurvivesTheOwnersCrash() async throws {
        let mesh = try await LocalMesh.start(nodes: 3) { [try CounterService.definition()] }
        defer { mesh.shutdown() }
        let owners = try await mesh.owners(of: "counter", key: "apples")
        #expect(owners.count == 2)
        let outsider = try #require((0..<3).first { !owners.contains($0) })
        let first: CounterService.Count = try await mesh.call("counter", "increment", CounterService.Increment(by: 2), key: "apples", via: outsider)
        #expect(first.value == 2)
        let routed = try await mesh.route("counter", "get", CounterService.Empty(), key: "apples", via: outsider)
        #expect(routed.servedBy.flatMap(mesh.index(of:)) == owners[0])

        await mesh.crash(owners[0])
        let after: CounterService.Count = try await mesh.call("counter", "increment", CounterService.Increment(by: 3), key: "apples", via: outsider, timeout: .seconds(10))
        #expect(after.value == 5)

        try await mesh.restart(owners[0])
        try await mesh.waitUntilFormed()
        let read = try await mesh.read(try StateKey(kind: .counter, name: "counter-service.apples"), level: .all, via: owners[0])
        guard case let .counter(counter) = read else { Issue.record("not a counter: \(read)"); return }
        #expect(counter.value == 5)
    }

    @Test func aStoppedNodeLeavesAndTheOthersCarryOn() async throws {
        let mesh = try await LocalMesh.start(nodes: 3) { [try EchoService.definition()] }
        defer { mesh.shutdown() }
        await mesh.stop(1)
        try await mesh.waitUntil(timeout: .seconds(10), "node 0 did not see node 1 leave") {
            try await mesh.node(0).membersView().members.contains { $0.name == "node-1" && $0.status == "left" }
        }
        let echoed: EchoService.Echoed = try await mesh.call("echo", "upper", EchoService.Message(text: "hi"), via: 2)
        #expect(echoed.text == "HI")
        await #expect(throws: LocalMeshError.self) { try await mesh.call("echo", "upper", EchoService.Message(text: "hi"), via: 1, as: EchoService.Echoed.self) }
    }

    @Test func nodesOfferingDifferentServicesShareOneMeshAndRouteToEachOther() async throws {
        // Node 0 is built with echo only, node 1 with counter only, node 2 with neither.
        let mesh = try await LocalMesh.start(nodes: 3) { index in
            [try EchoService.definition(), try CounterService.definition()].enumerated().filter { $0.offset == index }.map(\.element)
        }
        defer { mesh.shutdown() }
        let echoed = try await mesh.route("echo", "upper", EchoService.Message(text: "hi"), via: 1)
        #expect(echoed.servedBy.flatMap(mesh.index(of:)) == 0)
        let counted = try await mesh.route("counter", "increment", CounterService.Increment(by: 1), key: "k", via: 0)
        #expect(counted.servedBy.flatMap(mesh.index(of:)) == 1)
        // A service no node was built with is refused, naming those on offer.
        let unknown = try await mesh.route("greeter", "hello", EchoService.Message(text: "hi"), via: 2)
        guard case let .failure(failure) = unknown.reply.outcome else { Issue.record("greeter answered"); return }
        #expect(failure.status == 404)
        #expect(failure.message.contains("echo") && failure.message.contains("counter"))
    }
}
