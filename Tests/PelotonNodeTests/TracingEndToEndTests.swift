import Foundation
import PelotonProcessMesh
import Testing

/// Real nodes exporting to an in-test OTLP/HTTP receiver: one client request is one trace, on
/// every node it touches, and a reissue shows as a failed attempt and a second one.
@Suite(.serialized) struct TracingEndToEndTests {
    static let clientSpan = "00f067aa0ba902b7"

    /// `count` nodes offering the example services, each exporting its spans as OTLP JSON to
    /// `receiver` every 100 ms.
    static func mesh(_ count: Int, exportingTo receiver: OTLPReceiver) async throws -> ProcessMesh? {
        setenv("OTEL_BSP_SCHEDULE_DELAY", "100", 1)
        let mesh = try ProcessMesh()
        let extra = ["--services", "echo,counter", "--otel-endpoint", receiver.endpoint, "--otel-protocol", "http/json"]
        try mesh.start("t0", extra: extra)
        for index in 1..<count { try mesh.start("t\(index)", seed: 0, extra: extra) }
        let agreed = await mesh.agreeOnOneRing(seconds: 60)
        #expect(agreed, "the nodes did not agree on one ring\n\(mesh.logs())")
        return agreed ? mesh : nil
    }

    /// A fresh trace id, 32 hex digits.
    static func newTraceID() -> String {
        (0..<16).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
    }

    /// Calls through node `via` as a client in trace `traceID`, span `clientSpan`.
    static func tracedCall(
        _ mesh: ProcessMesh, _ service: String, _ method: String, json: String, key: String? = nil, via: Int, traceID: String
    ) async -> (status: Int, body: String)? {
        let query = key.map { "?key=\($0)" } ?? ""
        return await mesh.request(
            "POST", "/v1/call/\(service)/\(method)\(query)", json: json, headers: ["traceparent": "00-\(traceID)-\(clientSpan)-01"], via: via)
    }

    /// Waits until `receiver` holds a span of `traceID` satisfying `done`, at most 20 s.
    static func spans(
        of traceID: String, in receiver: OTLPReceiver, mesh: ProcessMesh, until done: ([OTLPReceiver.Span]) -> Bool
    ) async -> [OTLPReceiver.Span] {
        _ = await mesh.waitUntil(seconds: 20) { done(receiver.spans(ofTrace: traceID)) }
        return receiver.spans(ofTrace: traceID)
    }

    @Test(.timeLimit(.minutes(3))) func aForwardedCallThatWritesStateIsOneTrace() async throws {
        let receiver = try await OTLPReceiver()
        guard let mesh = try await Self.mesh(3, exportingTo: receiver) else { return await receiver.stop() }
        let ids = await mesh.memberIDs(seenBy: 0)
        // A key whose owner is not node 0, so that node 0 forwards the call.
        var key: String?
        for candidate in (0..<20).map({ "trace-\($0)" }) {
            let probe = await mesh.call("counter", "increment", json: #"{"by":1}"#, key: candidate, via: 0)
            if let servedBy = probe?.servedBy, servedBy != ids["t0"] { key = candidate; break }
        }
        let traceID = Self.newTraceID()
        guard let key, let reply = await Self.tracedCall(mesh, "counter", "increment", json: #"{"by":2}"#, key: key, via: 0, traceID: traceID) else {
            Issue.record("no key placed away from node 0, or no answer")
            return await receiver.stop()
        }
        #expect(reply.status == 200, "\(reply.body)")
        // Every owner of the state key (all three nodes) merged the write: each sent a span.
        let spans = await Self.spans(of: traceID, in: receiver, mesh: mesh) { spans in
            // Node 0's server span ends last there, so its route and attempt came in with or before it.
            Set(spans.map(\.node)).count == 3 && spans.contains { $0.name == "serve counter.increment" }
                && spans.contains { $0.name == "POST /v1/call/{service}/{method}" } && spans.contains { $0.name == "state apply counter" }
                && spans.filter { $0.name == "serve state replicate" || $0.name == "serve state write" }.count >= 2
        }
        let tree = spans.map(\.description).joined(separator: "\n")
        let byID = Dictionary(spans.map { ($0.spanID, $0) }, uniquingKeysWith: { first, _ in first })
        func parent(of span: OTLPReceiver.Span) -> OTLPReceiver.Span? { span.parentSpanID.flatMap { byID[$0] } }

        // One tree: its root is node 0's server span, a child of the client's span; every
        // other span's parent is in the trace.
        let roots = spans.filter { $0.parentSpanID == Self.clientSpan }
        #expect(roots.count == 1 && roots.first?.name == "POST /v1/call/{service}/{method}" && roots.first?.node == "t0", "\(tree)")
        #expect(spans.allSatisfy { $0.parentSpanID == Self.clientSpan || parent(of: $0) != nil }, "a span's parent is missing:\n\(tree)")
        #expect(roots.first?.kind == 2 && roots.first?.attributes["http.response.status_code"] == "200")

        let route = spans.first { $0.name == "route counter.increment" }
        #expect(route?.node == "t0" && route.flatMap(parent(of:))?.spanID == roots.first?.spanID, "\(tree)")
        let attempts = spans.filter { $0.name.hasPrefix("attempt ") }
        #expect(attempts.count == 1 && attempts.first?.kind == 3 && attempts.first.flatMap(parent(of:))?.spanID == route?.spanID, "\(tree)")
        // The handler ran on the owner that answered, as a child of node 0's attempt.
        let serve = spans.first { $0.name == "serve counter.increment" }
        #expect(serve?.node != "t0" && serve?.kind == 2 && serve.flatMap(parent(of:))?.spanID == attempts.first?.spanID, "\(tree)")
        #expect(attempts.first?.attributes["peloton.owner"] == serve.flatMap { ids[$0.node] })
        // The handler's state write, and its replication on the other nodes, hang under it.
        let write = spans.first { $0.name == "state write counter" }
        #expect(write?.node == serve?.node && write.flatMap(parent(of:))?.spanID == serve?.spanID, "\(tree)")
        func descends(_ span: OTLPReceiver.Span, from ancestor: OTLPReceiver.Span) -> Bool {
            var current = parent(of: span)
            while let step = current {
                if step.spanID == ancestor.spanID { return true }
                current = parent(of: step)
            }
            return false
        }
        let remote = spans.filter { $0.name.hasPrefix("serve state") && $0.node != serve?.node }
        #expect(!remote.isEmpty && remote.allSatisfy { span in write.map { descends(span, from: $0) } ?? false }, "\(tree)")
        #expect(spans.contains { $0.name == "state apply counter" }, "\(tree)")

        // A job continues its submitter's trace, wherever it is coordinated: its units are spans in it.
        let jobTrace = Self.newTraceID()
        let submitted = await mesh.request(
            "POST", "/v1/jobs", json: #"{"job": "montecarlo", "input": {"samples": 20000, "units": 4}}"#,
            headers: ["traceparent": "00-\(jobTrace)-\(Self.clientSpan)-01"], via: 1)
        #expect(submitted?.status == 202 || submitted?.status == 200, "\(submitted?.body ?? "no answer")")
        // The coordinator's span ends (and is exported) only when the job does, after its units'.
        let jobSpans = await Self.spans(of: jobTrace, in: receiver, mesh: mesh) { spans in
            spans.filter { $0.name == "serve peloton.jobs.run" }.count >= 4 && spans.contains { $0.name == "job montecarlo" }
        }
        let jobTree = jobSpans.map(\.description).joined(separator: "\n")
        let jobByID = Dictionary(jobSpans.map { ($0.spanID, $0) }, uniquingKeysWith: { first, _ in first })
        let submit = jobSpans.first { $0.name == "POST /v1/jobs" }
        let coordinator = jobSpans.first { $0.name == "job montecarlo" }
        #expect(submit?.parentSpanID == Self.clientSpan && coordinator?.parentSpanID == submit?.spanID, "\(jobTree)")
        let units = jobSpans.filter { $0.name == "serve peloton.jobs.run" }
        #expect(units.count >= 4, "\(jobTree)")
        // unit <- attempt <- route <- the coordinator's span
        #expect(units.allSatisfy { unit in
            let route = unit.parentSpanID.flatMap { jobByID[$0] }?.parentSpanID.flatMap { jobByID[$0] }
            return route?.name == "route peloton.jobs.run" && route?.parentSpanID == coordinator?.spanID
        }, "\(jobTree)")
        await receiver.stop()
    }

    @Test(.timeLimit(.minutes(3))) func aReissueAfterAnOwnerIsKilledShowsBothAttempts() async throws {
        let receiver = try await OTLPReceiver()
        guard let mesh = try await Self.mesh(4, exportingTo: receiver), let placement = await mesh.placement(of: "echo"),
              let outsider = placement.others.first
        else { return await receiver.stop() }
        let ids = await mesh.memberIDs(seenBy: outsider)
        let (first, second) = (placement.owners[0], placement.owners[1])
        mesh.kill(first)
        // The first calls after the kill try the dead owner first, until it is known dead.
        var reissued: (traceID: String, reply: (status: Int, body: String))?
        for attempt in 0..<10 {
            let traceID = Self.newTraceID()
            guard let reply = await Self.tracedCall(mesh, "echo", "upper", json: #"{"text":"t\#(attempt)"}"#, via: outsider, traceID: traceID) else { continue }
            #expect(reply.status == 200, "\(reply.body)")
            let spans = await Self.spans(of: traceID, in: receiver, mesh: mesh) { $0.contains { $0.name == "route echo.upper" } }
            if spans.contains(where: { $0.name == "attempt 2 echo.upper" }) {
                reissued = (traceID, reply)
                break
            }
        }
        guard let reissued else {
            Issue.record("no call after the kill tried the dead owner first\n\(mesh.logs())")
            return await receiver.stop()
        }
        let spans = await Self.spans(of: reissued.traceID, in: receiver, mesh: mesh) { $0.contains { $0.name == "serve echo.upper" } }
        let tree = spans.map(\.description).joined(separator: "\n")
        let route = spans.first { $0.name == "route echo.upper" }
        let one = spans.first { $0.name == "attempt 1 echo.upper" }
        let two = spans.first { $0.name == "attempt 2 echo.upper" }
        let serve = spans.first { $0.name == "serve echo.upper" }
        #expect(route?.node == mesh.nodes[outsider].name && route?.attributes["peloton.attempts"] == "2", "\(tree)")
        // The first attempt went to the dead owner and failed; the second reached the next one.
        #expect(one?.parentSpanID == route?.spanID && one?.failed == true && one?.attributes["peloton.owner"] == ids[mesh.nodes[first].name], "\(tree)")
        #expect(two?.parentSpanID == route?.spanID && two?.failed == false && two?.attributes["peloton.owner"] == ids[mesh.nodes[second].name], "\(tree)")
        #expect(serve?.node == mesh.nodes[second].name && serve?.parentSpanID == two?.spanID, "\(tree)")
        // The router's line about the reissue carries the trace id.
        let log = (try? String(contentsOf: mesh.directory.appendingPathComponent("\(mesh.nodes[outsider].name).log"), encoding: .utf8)) ?? ""
        #expect(log.split(separator: "\n").contains { $0.contains("trying the next owner") && $0.contains("trace_id=\(reissued.traceID)") }, "\(log)")
        await receiver.stop()
    }
}
