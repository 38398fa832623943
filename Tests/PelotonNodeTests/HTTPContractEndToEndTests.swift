import Foundation
import PelotonProcessMesh
@testable import PelotonNode
import Testing

/// The HTTP API as a contract, through a real `peloton node`: one spelling per key, one error
/// shape, the document served, bad bytes answered.
@Suite(.serialized) struct HTTPContractEndToEndTests {
    static func errorCode(_ body: String?) -> String? {
        (try? JSONDecoder().decode(APIError.Body.self, from: Data((body ?? "").utf8)))?.error.rawValue
    }

    @Test(.timeLimit(.minutes(3))) func keysHaveOneSpellingAndEveryErrorHasOneShape() async throws {
        let mesh = try ProcessMesh()
        try mesh.start("h0", extra: ["--services", "echo,counter"])
        let up = await mesh.waitUntil(seconds: 30) { await mesh.ring(of: 0)?.services.count == 2 }
        #expect(up, "the node did not start\n\(mesh.logs())")
        guard up else { return }
        // Invalid UTF-8 no longer lands on U+FFFD's key: each is refused, and U+FFFD spelled
        // correctly is a key of its own.
        for bad in ["%FFa", "%FEa", "%FF%FE"] {
            let write = await mesh.request("POST", "/v1/state/counter/\(bad)/increment", via: 0)
            #expect(write?.status == 400 && Self.errorCode(write?.body) == "badRequest", "\(bad): \(write?.body ?? "no answer")")
        }
        #expect(await mesh.request("POST", "/v1/state/counter/%EF%BF%BDa/increment", via: 0)?.status == 200)
        // `%25FF%25FE` is the key `%FF%FE`, written once; nothing else reaches it.
        #expect(await mesh.request("POST", "/v1/state/counter/%25FF%25FE/increment", via: 0)?.status == 200)
        let read = await mesh.request("GET", "/v1/state/counter/%25FF%25FE", via: 0)
        #expect(read?.body.contains(#""key":"%FF%FE""#) == true && StateEndToEndTests.value(read?.body) as? Int == 1, "\(read?.body ?? "")")
        let query = await mesh.call("counter", "increment", json: "{}", key: "\u{FFFD}", via: 0)
        #expect(query?.status == 200, "a valid key in the query: \(query?.body ?? "")")
        let badQuery = await mesh.request("POST", "/v1/call/counter/increment?key=%FFa", json: "{}", via: 0)
        #expect(badQuery?.status == 400 && badQuery?.body.contains("UTF-8") == true, "\(badQuery?.body ?? "")")

        // One id, two keys: two writes, each applied once (it was 504 "uncertain" before).
        let id = ["X-Request-Id": "0123456789abcdef0123456789abcdef"]
        for key in ["first", "second", "first"] {
            let write = await mesh.request("POST", "/v1/state/counter/\(key)/increment", json: "{}", headers: id, via: 0)
            #expect(write?.status == 200, "\(key): \(write?.body ?? "no answer")")
        }
        #expect(await mesh.counter("first", via: 0) == 1)
        #expect(await mesh.counter("second", via: 0) == 1)

        // The error shape on every kind of failure.
        let failures: [(String, String, String?, Int, String)] = [
            ("GET", "/nowhere", nil, 404, "notFound"),
            ("GET", "/v1/state/counter//x", nil, 404, "notFound"),
            ("DELETE", "/v1/members", nil, 405, "methodNotAllowed"),
            ("PUT", "/v1/state/counter/k", #"{"value":"x"}"#, 405, "methodNotAllowed"),
            ("GET", "/v1/state/nosuchtype/k", nil, 404, "notFound"),
            ("POST", "/v1/state/counter/k/increment", "{not json", 400, "badRequest"),
            ("GET", "/v1/events?limit=abc", nil, 400, "badRequest"),
            ("GET", "/v1/events?limit=0", nil, 400, "badRequest"),
            ("POST", "/v1/jobs", #"{"job":"nosuch","input":{}}"#, 400, "badRequest"),
            ("GET", "/v1/jobs/nosuch", nil, 404, "notFound"),
            ("POST", "/v1/call/nosuch/x", "{}", 404, "noSuchService"),
            ("POST", "/v1/call/echo/shout", "{}", 404, "noSuchMethod"),
            // The mesh's own traffic is not a service a client can call.
            ("POST", "/v1/call/peloton.jobs/cancel", "{}", 404, "noSuchService"),
            ("POST", "/v1/call/peloton.state/state", "{}", 404, "noSuchService"),
            ("POST", "/v1/revocations", "garbage", 400, "badRequest"),
        ]
        for (method, path, body, status, code) in failures {
            let answer = await mesh.request(method, path, json: body, via: 0)
            #expect(answer?.status == status && Self.errorCode(answer?.body) == code, "\(method) \(path): \(answer.map { "\($0.status) \($0.body)" } ?? "no answer")")
        }
        let unknown = await mesh.request("POST", "/v1/call/nosuch/x", json: "{}", via: 0)
        #expect(unknown?.body.contains("on offer: counter, echo") == true, "\(unknown?.body ?? "")")

        // The contract is served, as it is in the repository.
        let document = await mesh.request("GET", "/openapi.json", via: 0)
        #expect(document?.status == 200 && document?.body == OpenAPIDocument.json)

        // Raw non-ASCII bytes and garbage are answered and closed, and the node goes on.
        let raw = try await RawHTTPProbe.send(
            port: mesh.nodes[0].httpPort, Array("POST /v1/state/counter/".utf8) + [0xC3, 0xA9] + Array("/increment HTTP/1.1\r\n\r\n".utf8))
        #expect(raw.status == 400 && raw.closedByServer, "\(raw)")
        let garbage = try await RawHTTPProbe.send(port: mesh.nodes[0].httpPort, [UInt8](repeating: 0xFF, count: 4096))
        #expect(garbage.status == 400 && garbage.closedByServer, "\(garbage)")
        #expect(await mesh.health(of: 0)?.status == "ok")
        #expect(await mesh.metrics(of: 0).contains(#"peloton_http_rejected_total{code="badRequest"}"#))
    }

    /// Found on a real node: a client that sent half a request kept a SIGTERMed node alive
    /// until the header timeout (60 s), since Hummingbird's graceful shutdown only closes
    /// connections it has seen a request on. With a 600 s timeout, the node must still stop
    /// within its drain.
    @Test(.timeLimit(.minutes(3))) func halfARequestDoesNotHoldUpAStop() async throws {
        let mesh = try ProcessMesh()
        try mesh.start("q0", extra: ["--services", "echo", "--http-header-timeout", "600", "--drain-grace-ms", "1000"])
        let up = await mesh.waitUntil(seconds: 30) { await mesh.health(of: 0)?.status == "ok" }
        #expect(up, "the node did not start\n\(mesh.logs())")
        guard up else { return }
        let port = mesh.nodes[0].httpPort
        let holder = Task { try await RawHTTPProbe.send(port: port, "GET /v1/hea", within: .seconds(120)) }
        let idle = Task { try await RawHTTPProbe.send(port: port, "GET /v1/health HTTP/1.1\r\n\r\n", within: .seconds(120)) }
        try await Task.sleep(for: .milliseconds(500))
        mesh.kill(0, signal: SIGTERM, wait: false)
        let stopped = await mesh.waitUntil(seconds: 30) { !mesh.isRunning(0) }
        #expect(stopped, "the node was still running 30 s after SIGTERM\n\(mesh.logs())")
        #expect(try await holder.value.closedByServer)
        #expect(try await idle.value.status == 200)
        if !stopped { mesh.kill(0) }
    }
}
