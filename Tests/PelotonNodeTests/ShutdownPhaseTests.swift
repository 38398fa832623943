import Hummingbird
import HummingbirdTesting
import NIOCore
@testable import PelotonNode
import Testing

/// A stopping node closes kept-alive connections one answer at a time, then refuses: a client
/// is never cut off.
@Suite struct ShutdownPhaseTests {
    static func application(shutdown: ShutdownState) -> some ApplicationProtocol {
        let tokenCheck = RemoteClientsNeedToken<PelotonRequestContext>(token: nil)
        let router = Router(context: PelotonRequestContext.self)
        router.get("/v1/health") { _, _ in "healthy" }
        router.get("/v1/members") { _, _ in "members" }
        let responder = CallsBeforeRouter(
            tokenCheck: tokenCheck, router: router.buildResponder(),
            answer: { _, service, method in Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "\(service).\(method)"))) },
            shutdown: shutdown)
        return Application(responder: responder)
    }

    @Test func drainingAnswersWithConnectionCloseAndALeftNodeRefuses() async throws {
        let shutdown = ShutdownState()
        try await Self.application(shutdown: shutdown).test(.router) { client in
            try await client.execute(uri: "/v1/call/echo/upper", method: .post) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.connection] == nil)
            }
            shutdown.advance(to: .draining)
            try await client.execute(uri: "/v1/call/echo/upper", method: .post) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.connection] == "close")
            }
            try await client.execute(uri: "/v1/members", method: .get) { response in
                #expect(String(buffer: response.body) == "members")
                #expect(response.headers[.connection] == "close")
            }
            shutdown.advance(to: .left)
            for (uri, method) in [("/v1/call/echo/upper", HTTPRequest.Method.post), ("/v1/members", .get)] {
                try await client.execute(uri: uri, method: method) { response in
                    #expect(response.status == .serviceUnavailable)
                    #expect(response.headers[.retryAfter] == "1")
                    #expect(response.headers[.connection] == "close")
                    #expect(String(buffer: response.body).contains("\"error\":\"unavailable\"") || String(buffer: response.body).contains("\"unavailable\""))
                }
            }
            // Health still answers, so a balancer sees why.
            try await client.execute(uri: "/v1/health", method: .get) { response in
                #expect(String(buffer: response.body) == "healthy")
            }
        }
    }

    @Test func thePhaseOnlyMovesForward() {
        let shutdown = ShutdownState()
        shutdown.advance(to: .left)
        shutdown.advance(to: .draining)
        #expect(shutdown.current == .left)
    }
}
