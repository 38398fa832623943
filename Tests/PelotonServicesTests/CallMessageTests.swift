import PelotonCore
import PelotonServices
import PelotonWire
import Testing

@Suite struct CallMessageTests {
    static let request = CallRequest(
        id: RequestID(high: 1, low: 2), service: "kv", method: "get", key: "user:7", body: Array(#"{"a":1}"#.utf8),
        formats: ["text/html", "application/json"], budgetMilliseconds: 1_500, hops: 1)
    static let replies = [
        CallReply(id: RequestID(high: 3, low: 4), outcome: .success(RenderedReply(contentType: "application/json", body: Array("{}".utf8)))),
        CallReply(id: RequestID(high: 5, low: 6), outcome: .failure(CallFailure(.handler, status: 409, "conflict"))),
    ] + CallFailure.Code.allCases.map { CallReply(id: .random(), outcome: .failure(CallFailure($0, "why"))) }

    @Test func everyMessageRoundTrips() throws {
        #expect(try CallRequest(wireBytes: Self.request.wireBytes) == Self.request)
        var unkeyed = Self.request
        unkeyed.key = nil
        #expect(try CallRequest(wireBytes: unkeyed.wireBytes) == unkeyed)
        for reply in Self.replies {
            #expect(try CallReply(wireBytes: reply.wireBytes) == reply)
        }
    }

    static let traced: CallRequest = {
        var request = Self.request
        request.trace = TraceContext(traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", tracestate: "congo=t61rcWkgMzE")
        return request
    }()

    @Test func aTracedCallIsVersionTwoAndAnUntracedOneStaysReadableByTheReleaseBefore() throws {
        #expect(Self.traced.trace != nil)
        #expect(try CallRequest(wireBytes: Self.traced.wireBytes) == Self.traced)
        #expect(Self.traced.wireBytes.first == 2)
        // The release before read version 1 only: an untraced call still is that.
        #expect(Self.request.wireBytes.first == 1)
        // A version-1 call holds no trace, whatever its body looks like.
        #expect(try CallRequest(wireBytes: Self.request.wireBytes).trace == nil)
        for length in 0..<Self.traced.wireBytes.count {
            #expect(throws: WireError.self) { try CallRequest(wireBytes: Self.traced.wireBytes.prefix(length)) }
        }
        var unknown = Self.traced.wireBytes
        unknown[0] = 3
        #expect(throws: WireError.unsupportedVersion(field: "call", version: 3)) { try CallRequest(wireBytes: unknown) }
    }

    @Test func everyTruncationIsRefused() {
        let bytes = Self.request.wireBytes
        for length in 0..<bytes.count {
            #expect(throws: WireError.self) { try CallRequest(wireBytes: bytes.prefix(length)) }
        }
        for reply in Self.replies {
            let bytes = reply.wireBytes
            for length in 0..<bytes.count {
                #expect(throws: WireError.self) { try CallReply(wireBytes: bytes.prefix(length)) }
            }
        }
    }

    @Test func hostileFieldsAreRefused() {
        var bytes = Self.request.wireBytes
        bytes[0] = 9
        #expect(throws: WireError.self) { try CallRequest(wireBytes: bytes) }
        var greedy = Self.request
        greedy.budgetMilliseconds = CallRequest.maxBudgetMilliseconds + 1
        #expect(throws: WireError.self) { try CallRequest(wireBytes: greedy.wireBytes) }
        var nameless = Self.request
        nameless.service = ""
        #expect(throws: WireError.self) { try CallRequest(wireBytes: nameless.wireBytes) }
        var huge = Self.request
        huge.body = [UInt8](repeating: 0, count: CallRequest.maxBodyBytes + 1)
        #expect(throws: WireError.self) { try CallRequest(wireBytes: huge.wireBytes) }
        // A failure must carry an error status; a success status is refused.
        // version (1), id (16), outcome tag (1), failure code (1), then the status (2 bytes).
        var reply = CallReply(id: .random(), outcome: .failure(CallFailure(.handler, status: 500, "x"))).wireBytes
        #expect(reply[19] == 0x01 && reply[20] == 0xF4)
        reply[19] = 0
        reply[20] = 200
        #expect(throws: WireError.invalidValue(field: "reply.status", reason: "200 is not an error status")) { try CallReply(wireBytes: reply) }
    }

    @Test func longFailureMessagesAreClippedToValidText() throws {
        let message = String(repeating: "é", count: CallReply.maxMessageBytes)
        let reply = CallReply(id: .random(), outcome: .failure(CallFailure(.handler, message)))
        let decoded = try CallReply(wireBytes: reply.wireBytes)
        guard case let .failure(failure) = decoded.outcome else {
            Issue.record("expected a failure")
            return
        }
        #expect(failure.message.utf8.count <= CallReply.maxMessageBytes)
        #expect(message.hasPrefix(failure.message))
    }

    @Test func randomBytesNeverCrashTheDecoders() {
        var random = SeededRandom(seed: 11)
        for round in 0..<20_000 {
            let valid = round % 4 == 1 ? Self.traced.wireBytes : Self.request.wireBytes
            var bytes: [UInt8]
            if round % 2 == 0 {
                bytes = (0..<Int.random(in: 0...80, using: &random)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            } else {
                bytes = valid
                for _ in 0..<Int.random(in: 1...4, using: &random) {
                    bytes[Int.random(in: 0...(bytes.count - 1), using: &random)] = UInt8(truncatingIfNeeded: random.next())
                }
            }
            _ = try? CallRequest(wireBytes: bytes)
            _ = try? CallReply(wireBytes: bytes)
        }
    }

    @Test func requestIDsPrintAndParse() {
        let id = RequestID.random()
        #expect(RequestID(hex: id.description) == id)
        #expect(RequestID(hex: "xyz") == nil)
        #expect(RequestID.random() != RequestID.random())
    }
}
