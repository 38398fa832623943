import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import PelotonCore
@testable import PelotonNode
import Testing

/// The connection guard's decisions on their own.
@Suite struct HTTPConnectionGuardTests {
    var limits: HTTPLimits {
        var limits = HTTPLimits()
        limits.headerTimeoutMilliseconds = 100
        limits.keepAliveTimeoutMilliseconds = 200
        limits.bodyTimeoutMilliseconds = 300
        return limits
    }
    let malformed = HTTPConnectionGuard.Rejection(status: 400, code: .badRequest, message: "bad", answers: true, failsRequestInProgress: false)

    @Test func eachWaitForTheClientHasItsTimeout() {
        var machine = HTTPConnectionGuard(limits: limits)
        #expect(machine.connectionStarted() == .arm(milliseconds: 100))
        #expect(machine.headReceived() == .arm(milliseconds: 300))
        #expect(machine.bodyReceived() == .arm(milliseconds: 300))
        #expect(machine.endReceived() == .disarm, "no timeout while the answer is made")
        #expect(machine.responseHeadSent(status: 200) == .none)
        #expect(machine.responseEndSent() == .arm(milliseconds: 200))
        #expect(machine.timerFired() == .close, "an idle kept-alive connection closes without an answer")
        #expect(!machine.isOpen)
    }

    @Test func aSlowHeadIsAnswered408AndASlowBodyFailsItsRequest() {
        var slowHead = HTTPConnectionGuard(limits: limits)
        _ = slowHead.connectionStarted()
        guard case let .reject(rejection) = slowHead.timerFired() else { Issue.record("no rejection"); return }
        #expect(rejection.status == 408 && rejection.answers && !rejection.failsRequestInProgress)

        var slowBody = HTTPConnectionGuard(limits: limits)
        _ = slowBody.headReceived()
        guard case let .reject(body) = slowBody.timerFired() else { Issue.record("no rejection"); return }
        #expect(body.status == 408 && body.answers && body.failsRequestInProgress)
    }

    @Test func aMalformedRequestIsAnsweredUnlessAnAnswerIsUnderWay() {
        var fresh = HTTPConnectionGuard(limits: limits)
        #expect(fresh.parseFailed(malformed) == .reject(malformed))

        var midBody = HTTPConnectionGuard(limits: limits)
        _ = midBody.headReceived()
        _ = midBody.responseHeadSent(status: 413)
        guard case let .reject(late) = midBody.parseFailed(malformed) else { Issue.record("no rejection"); return }
        #expect(!late.answers && late.failsRequestInProgress, "a response already started: close, never a second head")
    }

    @Test func garbageBehindARequestBeingAnsweredIsRefusedAfterThatAnswer() {
        var machine = HTTPConnectionGuard(limits: limits)
        _ = machine.headReceived()
        _ = machine.endReceived()
        #expect(machine.parseFailed(malformed) == .none)
        #expect(machine.isOpen)
        _ = machine.responseHeadSent(status: 200)
        #expect(machine.responseEndSent() == .reject(malformed))
        #expect(machine.responseHeadSent(status: 200) == .none)
    }

    @Test func aStoppingServerClosesIdleConnectionsNowAndBusyOnesAfterTheirAnswer() {
        var idle = HTTPConnectionGuard(limits: limits)
        _ = idle.connectionStarted()
        #expect(idle.quiesce() == .close)
        var busy = HTTPConnectionGuard(limits: limits)
        _ = busy.headReceived()
        #expect(busy.quiesce() == .none)
        _ = busy.endReceived()
        _ = busy.responseHeadSent(status: 200)
        #expect(busy.responseEndSent() == .close)
        #expect(!busy.isOpen)
    }

    @Test func aWebSocketUpgradeLeavesThePipelineAndEndsTheTimeouts() {
        var machine = HTTPConnectionGuard(limits: limits)
        _ = machine.headReceived()
        #expect(machine.responseHeadSent(status: 101) == .leavePipeline)
        #expect(machine.timerFired() == .none)
        #expect(machine.parseFailed(malformed) == .none)
    }
}

@Suite struct StrictURITests {
    @Test func validUTF8DecodesAndEverythingElseIsRefused() throws {
        #expect(try StrictURI.decode("plain-key_1", what: "k") == "plain-key_1")
        #expect(try StrictURI.decode("%C3%A9t%C3%A9", what: "k") == "été")
        #expect(try StrictURI.decode("orders.%23", what: "k") == "orders.#")
        #expect(try StrictURI.decode("%25FF%25FE", what: "k") == "%FF%FE")
        for bad in ["%FFa", "%FEa", "%FF%FE", "%C3", "%", "%4", "%zz", "a%2"] {
            #expect(throws: APIError.self, "\(bad)") { try StrictURI.decode(bad, what: "k") }
        }
        // A raw byte past ASCII can only reach here as a character past ASCII.
        #expect(throws: APIError.self) { try StrictURI.decode("été", what: "k") }
    }

    @Test func threeSpellingsThatLenientDecodingMerged() throws {
        // %EF%BF%BD is U+FFFD itself: valid, and now the only spelling of that key.
        #expect(try StrictURI.decode("%EF%BF%BDa", what: "k") == "\u{FFFD}a")
        #expect(throws: APIError.self) { try StrictURI.decode("%FFa", what: "k") }
        #expect(throws: APIError.self) { try StrictURI.decode("%FEa", what: "k") }
    }
}

@Suite struct ConnectionQuotaTests {
    @Test func eachCapRefusesOnePastIt() {
        var limits = HTTPLimits()
        limits.maxConnections = 3
        limits.maxConnectionsPerClient = 2
        var quota = ConnectionQuota(limits: limits)
        #expect(quota.admit(client: "a") == nil)
        #expect(quota.admit(client: "a") == nil)
        #expect(quota.admit(client: "a") == .clientFull)
        #expect(quota.admit(client: "b") == nil)
        #expect(quota.admit(client: "c") == .nodeFull)
        quota.release(client: "a")
        #expect(quota.admit(client: "c") == nil)
        quota.release(client: "never-admitted")
        #expect(quota.open == 3)
    }
}

@Suite struct APIContractDocumentTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func theServedDocumentIsTheOneInTheRepository() throws {
        let file = try String(contentsOf: Self.repository.appendingPathComponent("docs/openapi.json"), encoding: .utf8)
        #expect(file.trimmingCharacters(in: .newlines) == OpenAPIDocument.json, "run Tools/openapi-embed")
        let object = try JSONSerialization.jsonObject(with: Data(OpenAPIDocument.json.utf8)) as? [String: Any]
        #expect(object?["openapi"] as? String == "3.1.0")
    }

    @Test func everyErrorCodeIsDocumented() throws {
        let object = try JSONSerialization.jsonObject(with: Data(OpenAPIDocument.json.utf8)) as? [String: Any]
        let schemas = (object?["components"] as? [String: Any])?["schemas"] as? [String: Any]
        let error = (schemas?["Error"] as? [String: Any])?["properties"] as? [String: Any]
        let codes = (error?["error"] as? [String: Any])?["enum"] as? [String]
        #expect(Set(codes ?? []) == Set(APIError.Code.allCases.map(\.rawValue)))
    }

    @Test func wrongMethodsOnDocumentedPathsAre405WithAllow() {
        let routes = APIRoutes.documented
        #expect(routes.methods(forPath: "/v1/health") == ["GET"])
        #expect(routes.methods(forPath: "/v1/state/register/k") == ["GET", "PATCH", "PUT"])
        #expect(routes.methods(forPath: "/v1/state/counter/k/increment") == ["POST"])
        #expect(routes.methods(forPath: "/v1/state/counter//increment") == nil)
        #expect(routes.methods(forPath: "/nowhere") == nil)
    }
}

/// Raw bytes at a guarded HTTP server (the node's own pipeline, with short limits): every
/// malformed request is answered in the API's error shape and its connection closed.
@Suite struct HTTPHardeningTests {
    static var limits: HTTPLimits {
        var limits = HTTPLimits()
        limits.headerTimeoutMilliseconds = 500
        limits.bodyTimeoutMilliseconds = 500
        limits.keepAliveTimeoutMilliseconds = 500
        limits.maxConnectionsPerClient = 4
        return limits
    }

    /// Runs `body` with the port of a server guarded by `limits`, whose one endpoint
    /// (`POST /v1/call/...`) reads the query and body as the node's endpoints do.
    static func withServer(_ body: @escaping @Sendable (Int) async throws -> Void) async throws {
        let router = Router(context: PelotonRequestContext.self)
        router.add(middleware: OneErrorShape(routes: APIRoutes.documented))
        router.get("/v1/health") { _, _ in "ok" }
        let responder = CallsBeforeRouter(tokenCheck: RemoteClientsNeedToken<PelotonRequestContext>(token: nil), router: router.buildResponder()) { request, _, _ in
            _ = try StrictURI.query(of: request)
            let bytes = try await JSONReply.body(of: request, atMost: 1024, tooLarge: "at most 1024 bytes")
            return Response(status: .ok, body: .init(byteBuffer: bytes))
        }
        let app = Application(
            responder: responder,
            server: .http1WebSocketUpgradeOnConnectionLoops(
                webSocketResponder: Router(context: PelotonWebSocketContext.self).buildResponder(), limits: limits),
            configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            try await body(try #require(client.port))
        }
    }

    static let malformed: [(name: String, bytes: [UInt8], status: Int)] = [
        ("random bytes", (0..<1024).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }, 400),
        ("NUL bytes", [0, 0, 0, 0, 13, 10, 13, 10], 400),
        ("a 100 KB request line", Array("GET /\(String(repeating: "a", count: 100_000)) HTTP/1.1\r\n\r\n".utf8), 431),
        ("a 100 KB header", Array("GET / HTTP/1.1\r\nX: \(String(repeating: "a", count: 100_000))\r\n\r\n".utf8), 431),
        ("10,000 headers", Array(("GET / HTTP/1.1\r\n" + (0..<10_000).map { "X\($0): y\r\n" }.joined() + "\r\n").utf8), 431),
        ("Content-Length -1", Array("POST /v1/call/a/b HTTP/1.1\r\nContent-Length: -1\r\n\r\n".utf8), 400),
        ("Content-Length 2^70", Array("POST /v1/call/a/b HTTP/1.1\r\nContent-Length: 1180591620717411303424\r\n\r\n".utf8), 400),
        ("two Content-Lengths", Array("POST /v1/call/a/b HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nab".utf8), 400),
        ("an HTTP/2 preface", Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8), 400),
        ("a TLS ClientHello", [0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00, 0xa1, 0x03, 0x03] + [UInt8](repeating: 0, count: 160), 400),
        ("bare LF line endings", Array("GET /v1/health HTTP/1.1\nHost: x\n\n".utf8), 505),
        ("HTTP/9.9", Array("GET /v1/health HTTP/9.9\r\n\r\n".utf8), 505),
        ("an unknown method", Array("BREW / HTTP/1.1\r\nHost: x\r\n\r\n".utf8), 400),
        ("a raw 0xFF in the path", Array("POST /v1/call/echo/upp".utf8) + [0xFF] + Array("er HTTP/1.1\r\nContent-Length: 0\r\n\r\n".utf8), 400),
        ("a raw UTF-8 key", Array("POST /v1/state/counter/".utf8) + [0xC3, 0xA9] + Array("/increment HTTP/1.1\r\nContent-Length: 0\r\n\r\n".utf8), 400),
        ("control bytes in Accept", Array("POST /v1/call/a/b HTTP/1.1\r\nAccept: \u{01}\u{02};;;q=zz\r\nContent-Length: 0\r\n\r\n".utf8), 400),
        ("a malformed chunked body", Array("POST /v1/call/a/b HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n".utf8), 400),
        ("garbage after a good request", Array("GET /v1/health HTTP/1.1\r\n\r\nBREW / HTTP/1.1\r\n\r\n".utf8), 200),
    ]

    @Test(.timeLimit(.minutes(1))) func everyMalformedRequestIsAnsweredAndClosed() async throws {
        try await Self.withServer { port in
            for probe in Self.malformed {
                let outcome = try await RawHTTPProbe.send(port: port, probe.bytes, within: .seconds(3))
                #expect(outcome.closedByServer, "\(probe.name): still open")
                #expect(outcome.status == probe.status, "\(probe.name): \(outcome)")
                if probe.status != 200 {
                    let shape = try? JSONDecoder().decode(APIError.Body.self, from: Data(outcome.body.utf8))
                    #expect(shape != nil, "\(probe.name): not the error shape: \(outcome.body)")
                } else {
                    #expect(outcome.text.contains("\r\n\r\nokHTTP/1.1 400 Bad Request\r\n"), "\(probe.name): the garbage gets its own answer: \(outcome)")
                }
            }
        }
    }

    @Test(.timeLimit(.minutes(1))) func aBodyShorterThanItsLengthIsABadRequestNotTooLarge() async throws {
        try await Self.withServer { port in
            // The client says 10 bytes, sends 2 and stops: the body timeout answers.
            let stalled = try await RawHTTPProbe.send(port: port, "POST /v1/call/a/b HTTP/1.1\r\nContent-Length: 10\r\n\r\nab", within: .seconds(3))
            #expect(stalled.status == 408 && stalled.closedByServer, "\(stalled)")
            let tooLarge = try await RawHTTPProbe.send(port: port, "POST /v1/call/a/b HTTP/1.1\r\nContent-Length: 5000\r\n\r\n", within: .seconds(3))
            #expect(tooLarge.status == 413 && tooLarge.body.contains("payloadTooLarge"), "\(tooLarge)")
        }
    }

    @Test(.timeLimit(.minutes(1))) func slowAndIdleClientsAreClosed() async throws {
        try await Self.withServer { port in
            // One header byte every 100 ms: the head is not complete within 500 ms.
            let slow = Array("GET /v1/health HTTP/1.1\r\nX-Slow: abcdefghijklmnopqrstuvwxyz\r\n\r\n".utf8).map { [$0] }
            let slowLoris = try await RawHTTPProbe.send(port: port, slow, pause: .milliseconds(100), within: .seconds(10))
            #expect(slowLoris.closedByServer && slowLoris.status == 408, "\(slowLoris)")
            // Connected and silent.
            let silent = try await RawHTTPProbe.send(port: port, [], within: .seconds(3))
            #expect(silent.closedByServer && silent.status == 408, "\(silent)")
            // Answered, then idle on keep-alive: closed without another answer.
            let idle = try await RawHTTPProbe.send(port: port, "GET /v1/health HTTP/1.1\r\n\r\n", within: .seconds(3))
            #expect(idle.closedByServer && idle.status == 200 && idle.text.components(separatedBy: "HTTP/1.1 ").count == 2, "\(idle)")
        }
    }

    @Test(.timeLimit(.minutes(1))) func oneClientCannotHoldEveryConnection() async throws {
        try await Self.withServer { port in
            // Four slow clients hold their connections (the per-client cap here); the fifth is
            // answered 503 at once.
            async let held = withTaskGroup(of: Void.self) { group in
                for _ in 0..<4 { group.addTask { _ = try? await RawHTTPProbe.send(port: port, [], within: .seconds(2)) } }
            }
            try await Task.sleep(for: .milliseconds(300))
            let refused = try await RawHTTPProbe.send(port: port, "GET /v1/health HTTP/1.1\r\n\r\n", within: .seconds(2))
            #expect(refused.status == 503 && refused.body.contains("tooManyConnections") && refused.closedByServer, "\(refused)")
            await held
            // Their connections closed, the client is served again.
            let served = try await RawHTTPProbe.send(port: port, "GET /v1/health HTTP/1.1\r\nConnection: close\r\n\r\n", within: .seconds(2))
            #expect(served.status == 200, "\(served)")
        }
    }

    @Test(.timeLimit(.minutes(1))) func unknownPathsAndWrongMethodsGetTheErrorShape() async throws {
        try await Self.withServer { port in
            let unknown = try await RawHTTPProbe.send(port: port, "GET /nope HTTP/1.1\r\nConnection: close\r\n\r\n")
            #expect(unknown.status == 404 && unknown.body.contains(#""error":"notFound""#), "\(unknown)")
            let wrong = try await RawHTTPProbe.send(port: port, "DELETE /v1/health HTTP/1.1\r\nConnection: close\r\n\r\n")
            #expect(wrong.status == 405 && wrong.text.contains("Allow: GET") && wrong.body.contains("methodNotAllowed"), "\(wrong)")
            let badQuery = try await RawHTTPProbe.send(port: port, "POST /v1/call/echo/upper?key=%FFa HTTP/1.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            #expect(badQuery.status == 400 && badQuery.body.contains("UTF-8"), "\(badQuery)")
        }
    }
}

/// Seeded random inputs for the two pure pieces that face clients first.
@Suite struct HTTPHardeningPropertyTests {
    @Test func anyStringPercentEncodedDecodesToItselfAndAnyBytesDecodeOrAreRefused() throws {
        var random = SeededRandom(seed: 20)
        for _ in 0..<5_000 {
            let scalars = (0..<Int.random(in: 0...12, using: &random)).compactMap { _ -> Unicode.Scalar? in
                let ranges: [ClosedRange<UInt32>] = [0x20...0x7E, 0xA0...0x2FF, 0x4E00...0x4EFF, 0x1F600...0x1F64F, 0x0...0x1F]
                return Unicode.Scalar(UInt32.random(in: ranges[Int.random(in: 0..<ranges.count, using: &random)], using: &random))
            }
            let text = String(String.UnicodeScalarView(scalars))
            let encoded = text.utf8.map { byte -> String in
                let unreserved = (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == 0x2D
                return unreserved && Bool.random(using: &random) ? String(UnicodeScalar(byte)) : String(format: "%%%02X", byte)
            }.joined()
            #expect(try StrictURI.decode(encoded, what: "k") == text, "\(encoded)")
        }
        // Arbitrary ASCII, '%' and hex digits often: decoded to valid UTF-8 or refused, never
        // anything else.
        let alphabet = Array("%%%0123456789abcdefABCDEFxyz/.~ \u{7F}".unicodeScalars)
        for _ in 0..<20_000 {
            let text = String(String.UnicodeScalarView((0..<Int.random(in: 0...10, using: &random)).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &random)] }))
            do {
                let decoded = try StrictURI.decode(text, what: "k")
                #expect(decoded.utf8.count <= text.utf8.count)
            } catch let error as APIError {
                #expect(error.status == .badRequest)
            }
        }
    }

    @Test func theGuardAnswersAtMostOnceAndNeverAfterItCloses() {
        var random = SeededRandom(seed: 21)
        var limits = HTTPLimits()
        limits.headerTimeoutMilliseconds = 10
        let malformed = HTTPConnectionGuard.Rejection(status: 400, code: .badRequest, message: "bad", answers: true, failsRequestInProgress: false)
        for _ in 0..<2_000 {
            var machine = HTTPConnectionGuard(limits: limits)
            var rejections = 0
            var closed = false
            var trace: [Int] = []
            for _ in 0..<30 {
                let action: HTTPConnectionGuard.Action
                let event = Int.random(in: 0..<9, using: &random)
                trace.append(event)
                switch event {
                case 0: action = machine.headReceived()
                case 1: action = machine.bodyReceived()
                case 2: action = machine.endReceived()
                case 3: action = machine.responseHeadSent(status: [200, 404, 101, 100][Int.random(in: 0..<4, using: &random)])
                case 4, 5: action = machine.responseEndSent()
                case 6: action = machine.parseFailed(malformed)
                case 7: action = machine.timerFired()
                default: action = machine.connectionStarted()
                }
                if closed, case .reject = action { Issue.record("a second answer after the connection was given up: \(trace)") }
                if closed, action == .close { Issue.record("closed twice: \(trace)") }
                switch action {
                case let .reject(rejection):
                    rejections += 1
                    closed = true
                    if rejection.answers && machine.responseInFlight { Issue.record("an answer written over a response under way: \(trace)") }
                case .close, .leavePipeline:
                    closed = true
                case .none, .arm, .disarm:
                    break
                }
                if closed { #expect(!machine.isOpen || machine.phase == .upgraded) }
            }
            #expect(rejections <= 1)
        }
    }
}
