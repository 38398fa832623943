import Hummingbird
import HummingbirdTesting
import NIOCore
import NIOPosix
import PelotonCrypto
@testable import PelotonNode
import PelotonServices
import Synchronization
import Testing

/// The call path skips Hummingbird's router, not its checks.
@Suite struct CallsBeforeRouterTests {
    static func application(token: String?) -> some ApplicationProtocol {
        let tokenCheck = RemoteClientsNeedToken<PelotonRequestContext>(token: token)
        let router = Router(context: PelotonRequestContext.self)
        router.add(middleware: tokenCheck)
        router.get("/v1/health") { _, _ in "healthy" }
        let responder = CallsBeforeRouter(tokenCheck: tokenCheck, router: router.buildResponder()) { _, service, method in
            guard service != "broken" else { throw HTTPError(.badRequest, message: "no such thing") }
            return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "\(service).\(method)")))
        }
        return Application(responder: responder)
    }

    @Test func callsAreAnsweredThroughTheTokenCheckAndOtherRequestsGoToTheRouter() async throws {
        try await Self.application(token: "s3cret").test(.router) { client in
            // The test client has no remote address, so it counts as remote: it needs the token.
            try await client.execute(uri: "/v1/call/echo/upper", method: .post) { response in
                #expect(response.status == .unauthorized)
            }
            try await client.execute(uri: "/v1/call/echo/upper", method: .post, headers: [.authorization: "Bearer wrong"]) { response in
                #expect(response.status == .unauthorized)
            }
            try await client.execute(uri: "/v1/call/echo/upper.json?key=k", method: .post, headers: [.authorization: "Bearer s3cret"]) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == "echo.upper.json")
            }
            // An endpoint's error becomes its response, as the router would make it.
            try await client.execute(uri: "/v1/call/broken/x", method: .post, headers: [.authorization: "Bearer s3cret"]) { response in
                #expect(response.status == .badRequest)
            }
            try await client.execute(uri: "/v1/health", method: .get, headers: [.authorization: "Bearer s3cret"]) { response in
                #expect(String(buffer: response.body) == "healthy")
            }
            try await client.execute(uri: "/v1/health", method: .get) { response in
                #expect(response.status == .unauthorized)
            }
        }
    }

    @Test func onlyWholeCallPathsAreTakenBeforeTheRouter() {
        #expect(CallEndpoint.names(inPath: "/v1/call/echo/upper")! == ("echo", "upper"))
        #expect(CallEndpoint.names(inPath: "/v1/call/echo/upper.html")! == ("echo", "upper.html"))
        for path in ["/v1/call/echo", "/v1/call/echo/", "/v1/call//upper", "/v1/call/echo/upper/more", "/v1/calls/echo/upper", "/v1/state/a/b", "/"] {
            #expect(CallEndpoint.names(inPath: path) == nil, "\(path)")
        }
    }
}

/// Calls run on their connection's event loop; every other request on the shared pool.
@Suite struct ConnectionsOnTheirLoopsTests {
    @Test(.timeLimit(.minutes(1))) func callsStayOnTheConnectionsLoopAndOtherRequestsGoToThePool() async throws {
        let tokenCheck = RemoteClientsNeedToken<PelotonRequestContext>(token: nil)
        let router = Router(context: PelotonRequestContext.self)
        router.get("/where") { _, _ in MultiThreadedEventLoopGroup.currentEventLoop == nil ? "pool" : "loop" }
        let responder = CallsBeforeRouter(tokenCheck: tokenCheck, router: router.buildResponder()) { _, _, _ in
            Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: MultiThreadedEventLoopGroup.currentEventLoop == nil ? "pool" : "loop")))
        }
        let app = Application(
            responder: responder,
            server: .http1WebSocketUpgradeOnConnectionLoops(webSocketResponder: Router(context: PelotonWebSocketContext.self).buildResponder()),
            configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            for _ in 0..<3 {
                try await client.execute(uri: "/v1/call/echo/upper", method: .post) { response in
                    #expect(String(buffer: response.body) == "loop")
                }
                try await client.execute(uri: "/where", method: .get) { response in
                    #expect(String(buffer: response.body) == "pool")
                }
            }
        }
    }
}

/// A call made on an event loop opens (and then uses) a stream of that loop.
@Suite struct CallChannelsLoopTests {
    struct Refused: Error {}

    @Test func aCallOpensItsStreamOnTheLoopItRunsOn() async throws {
        let channels = CallChannels()
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let request = CallRequest(service: "echo", method: "upper", body: [], budgetMilliseconds: 1000, hops: 1)
        let peer = NodeIdentity.generate().nodeID
        let asked = Mutex<[ObjectIdentifier?]>([])
        let connect: @Sendable ((any EventLoop)?) async throws -> CallChannel = { given in
            asked.withLock { $0.append(given.map { ObjectIdentifier($0) }) }
            throw Refused()
        }
        await withTaskGroup(of: Void.self) { tasks in
            tasks.addTask(executorPreference: EventLoopTaskExecutor(loop)) {
                _ = try? await channels.call(request, to: peer, within: .seconds(1), connect: connect)
            }
            tasks.addTask(executorPreference: globalConcurrentExecutor) {
                _ = try? await channels.call(request, to: peer, within: .seconds(1), connect: connect)
            }
        }
        #expect(Set(asked.withLock { $0 }) == [ObjectIdentifier(loop), nil])
    }
}
