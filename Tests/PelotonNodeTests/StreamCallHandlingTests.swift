import NIOCore
import NIOPosix
import PelotonCore
@testable import PelotonNode
import PelotonServices
import PelotonState
import Testing

@Suite struct StreamCallHandlingTests {
    struct Nothing: Codable, Sendable {}

    static func host() throws -> ServiceHost {
        let quick = try ServiceDefinition(name: "quick", version: "1.0.0", replicas: 1, handlersRunOn: .eventLoop) { service in
            try service.method("run") { (_: Nothing, _) in Nothing() }
        }
        let heavy = try ServiceDefinition(name: "heavy", version: "1.0.0", replicas: 1) { service in
            try service.method("run") { (_: Nothing, _) in Nothing() }
        }
        return try ServiceHost(services: [quick, heavy], clock: { .zero })
    }

    static func call(_ service: String, hops: UInt8) -> CallRequest {
        CallRequest(service: service, method: "run", body: [], budgetMilliseconds: 1000, hops: hops)
    }

    @Test func onlyForwardedCallsToQuickServicesRunOnTheStreamsLoop() throws {
        let host = try Self.host()
        #expect(StreamCallHandling(Self.call("quick", hops: 1), services: host) == StreamCallHandling(servedHere: true, onStreamLoop: true))
        #expect(StreamCallHandling(Self.call("heavy", hops: 1), services: host) == StreamCallHandling(servedHere: true, onStreamLoop: false))
        // A client's call is routed first, on the pool; so are unknown services and state.
        #expect(StreamCallHandling(Self.call("quick", hops: 0), services: host) == StreamCallHandling(servedHere: false, onStreamLoop: false))
        #expect(StreamCallHandling(Self.call("missing", hops: 1), services: host) == StreamCallHandling(servedHere: true, onStreamLoop: false))
        #expect(StreamCallHandling(Self.call(StateKey.placementService, hops: 0), services: host)
            == StreamCallHandling(servedHere: true, onStreamLoop: false))
        #expect(StreamCallHandling(Self.call("quick", hops: 1), services: nil) == StreamCallHandling(servedHere: true, onStreamLoop: false))
    }

    @Test func aClientMayNotCallTheMeshsOwnNamesExceptForState() throws {
        let host = try Self.host()
        let units = StreamCallHandling(Self.call("peloton.jobs", hops: 0), services: host)
        #expect(units.refusal?.code == .noSuchService)
        #expect(units.refusal?.message.contains("the mesh's own") == true)
        #expect(StreamCallHandling(Self.call("PELOTON.jobs", hops: 0), services: host).refusal != nil)
        // Between nodes the names carry the mesh's own traffic.
        #expect(StreamCallHandling(Self.call("peloton.jobs", hops: 1), services: host).refusal == nil)
        #expect(StreamCallHandling(Self.call(StateKey.placementService, hops: 0), services: host).refusal == nil)
    }

    @Test func aServiceMayNotTakeAReservedName() {
        #expect(throws: ServiceDefinitionError.self) {
            try ServiceDefinition(name: "peloton.state", version: "1.0.0", replicas: 1) { service in
                try service.method("run") { (_: Nothing, _) in Nothing() }
            }
        }
        #expect(throws: ServiceDefinitionError.self) {
            try ServiceDefinition(name: "Peloton.Tools", version: "1.0.0", replicas: 1) { service in
                try service.method("run") { (_: Nothing, _) in Nothing() }
            }
        }
    }

    @Test func aTaskPreferringAnEventLoopRunsOnIt() async throws {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let executor = EventLoopTaskExecutor(loop)
        let onLoop = await withTaskGroup(of: Bool.self) { tasks in
            tasks.addTask(executorPreference: executor) {
                // Before and after a suspension alike.
                let before = loop.inEventLoop
                try? await Task.sleep(for: .milliseconds(1))
                return before && loop.inEventLoop
            }
            return await tasks.next() ?? false
        }
        #expect(onLoop)
        let onPool = await withTaskGroup(of: Bool.self) { tasks in
            tasks.addTask(executorPreference: globalConcurrentExecutor) { loop.inEventLoop }
            return await tasks.next() ?? true
        }
        #expect(!onPool)
    }
}
