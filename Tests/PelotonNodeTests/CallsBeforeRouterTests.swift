import Hummingbird
import HummingbirdTesting
@testable import PelotonNode
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
