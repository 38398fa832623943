import PelotonCore
import PelotonCrypto
import PelotonWire

/// Names a request across every attempt: an owner that sees the same id twice replays the
/// stored reply instead of running the handler again.
public struct RequestID: Hashable, Sendable, CustomStringConvertible {
    public let high: UInt64
    public let low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    public static func random() -> RequestID {
        let words = secureRandomWords()
        return RequestID(high: words.high, low: words.low)
    }

    /// Parses 32 hex digits (what `description` prints), as a client's `X-Request-Id`.
    public init?(hex: String) {
        guard let node = NodeID(hex: hex) else { return nil }
        self.init(high: node.high, low: node.low)
    }

    public var description: String { NodeID(high: high, low: low).description }
}

extension RequestID: WireCodable {
    public init(from reader: inout WireReader) throws(WireError) {
        self.init(high: try reader.readUInt64("request.id"), low: try reader.readUInt64("request.id"))
    }

    public func encode(to writer: inout WireWriter) {
        writer.writeUInt64(high)
        writer.writeUInt64(low)
    }
}

/// A call on its way to an owner: which method of which service, the caller's JSON, the
/// formats the caller accepts, and how long it may still take.
public struct CallRequest: Equatable, Sendable, WireCodable {
    /// Version 2 adds the trace context. A call without one is still written as version 1, so
    /// that untraced calls stay readable by nodes of the release before.
    public static let version: UInt8 = 2
    static let untracedVersion: UInt8 = 1
    public static let maxNameBytes = 64
    public static let maxKeyBytes = 512
    public static let maxBodyBytes = 1 << 20
    public static let maxFormats = 8
    /// Ten minutes: no call waits longer than this, whatever its deadline says.
    public static let maxBudgetMilliseconds: UInt32 = 600_000

    /// A caller's timeout as a budget: whole milliseconds, at least 1, at most the maximum.
    public static func budgetMilliseconds(for timeout: Duration) -> UInt32 {
        UInt32(clamping: max(1, min(timeout.nanosecondsClamped / 1_000_000, Int64(maxBudgetMilliseconds))))
    }

    public var id: RequestID
    public var service: String
    public var method: String
    public var key: String?
    public var body: [UInt8]
    /// Media types the caller accepts, most wanted first; empty means JSON.
    public var formats: [String]
    /// Milliseconds left before the caller's deadline. A duration, not a time: nodes do not
    /// share a clock.
    public var budgetMilliseconds: UInt32
    /// How many nodes passed the request on. A forwarded request (hops ≥ 1) is never
    /// forwarded again, so views that disagree cannot make it loop.
    public var hops: UInt8
    /// The span this call was sent from, when the sender records traces.
    public var trace: TraceContext?

    public init(
        id: RequestID = .random(), service: String, method: String, key: String? = nil, body: [UInt8],
        formats: [String] = [], budgetMilliseconds: UInt32, hops: UInt8 = 0, trace: TraceContext? = nil
    ) {
        self.id = id
        self.service = service
        self.method = method
        self.key = key
        self.body = body
        self.formats = formats
        self.budgetMilliseconds = budgetMilliseconds
        self.hops = hops
        self.trace = trace
    }

    public init(from reader: inout WireReader) throws(WireError) {
        let version = try reader.readUInt8("call.version")
        guard version == Self.untracedVersion || version == Self.version else {
            throw .unsupportedVersion(field: "call", version: version)
        }
        id = try RequestID(from: &reader)
        service = try reader.readString("call.service", limit: Self.maxNameBytes)
        method = try reader.readString("call.method", limit: Self.maxNameBytes)
        key = try reader.readBool("call.hasKey") ? try reader.readString("call.key", limit: Self.maxKeyBytes) : nil
        formats = try reader.readArray("call.formats", limit: Self.maxFormats) { reader throws(WireError) in
            try reader.readString("call.format", limit: Self.maxNameBytes)
        }
        budgetMilliseconds = try reader.readUInt32("call.budget")
        guard budgetMilliseconds <= Self.maxBudgetMilliseconds else {
            throw .invalidValue(field: "call.budget", reason: "more than \(Self.maxBudgetMilliseconds) ms")
        }
        hops = try reader.readUInt8("call.hops")
        // Version 2 is a call with a trace context; version 1 has none.
        trace = version == Self.version ? try TraceContext(from: &reader) : nil
        body = try reader.readBytes("call.body", limit: Self.maxBodyBytes)
        guard !service.isEmpty, !method.isEmpty else { throw .invalidValue(field: "call.service", reason: "service and method must be named") }
    }

    public func encode(to writer: inout WireWriter) {
        writer.writeUInt8(trace == nil ? Self.untracedVersion : Self.version)
        id.encode(to: &writer)
        writer.writeString(service)
        writer.writeString(method)
        writer.writeBool(key != nil)
        if let key { writer.writeString(key) }
        writer.writeArray(formats) { writer, format in writer.writeString(format) }
        writer.writeUInt32(budgetMilliseconds)
        writer.writeUInt8(hops)
        trace?.encode(to: &writer)
        writer.writeBytes(body)
    }
}

/// A rendered reply: its media type and bytes.
public struct RenderedReply: Equatable, Sendable {
    public var contentType: String
    public var body: [UInt8]

    public init(contentType: String, body: [UInt8]) {
        self.contentType = contentType
        self.body = body
    }
}

/// Why a call did not produce a reply. `isRetriable` says whether the next owner may succeed
/// where this one did not; a handler's own error is final, never retried.
public struct CallFailure: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Code: UInt8, Sendable, CaseIterable {
        /// The handler threw; `status` is the HTTP status it chose (500 unless it chose).
        case handler = 1
        case badRequest, noSuchService, noSuchMethod, notAcceptable
        /// No alive member offers the service.
        case noOwners
        /// Every owner was tried and none answered.
        case unavailable
        case deadlineExceeded
        /// The owner asked does not offer the service (its view and the router's differ).
        case notOffered
        case overloaded
        /// An owner took the request and no answer came: it ran once or not at all. Sent on
        /// to no other owner, unless the service is idempotent.
        case uncertain
    }

    public var code: Code
    public var status: UInt16
    public var message: String

    public init(_ code: Code, status: UInt16? = nil, _ message: String) {
        self.code = code
        self.status = status ?? Self.defaultStatus(code)
        self.message = message
    }

    public var isRetriable: Bool { code == .notOffered || code == .overloaded || code == .noSuchService }

    public var description: String { message }

    static func defaultStatus(_ code: Code) -> UInt16 {
        switch code {
        case .handler: 500
        case .badRequest: 400
        case .noSuchService, .noSuchMethod: 404
        case .notAcceptable: 406
        case .noOwners, .unavailable, .notOffered, .overloaded: 503
        case .deadlineExceeded, .uncertain: 504
        }
    }
}

/// An owner's answer to one `CallRequest`.
public struct CallReply: Equatable, Sendable, WireCodable {
    public static let version: UInt8 = 1
    public static let maxBodyBytes = 8 << 20
    public static let maxMessageBytes = 2048

    public var id: RequestID
    public var outcome: Result<RenderedReply, CallFailure>

    public init(id: RequestID, outcome: Result<RenderedReply, CallFailure>) {
        self.id = id
        self.outcome = outcome
    }

    public init(from reader: inout WireReader) throws(WireError) {
        try reader.readVersion(of: "reply", expected: Self.version)
        id = try RequestID(from: &reader)
        let tag = try reader.readUInt8("reply.outcome")
        switch tag {
        case 0:
            let contentType = try reader.readString("reply.contentType", limit: CallRequest.maxNameBytes * 2)
            outcome = .success(RenderedReply(contentType: contentType, body: try reader.readBytes("reply.body", limit: Self.maxBodyBytes)))
        case 1:
            let raw = try reader.readUInt8("reply.failure")
            guard let code = CallFailure.Code(rawValue: raw) else { throw .unknownTag(field: "reply.failure", tag: raw) }
            let status = try reader.readUInt16("reply.status")
            guard (400...599).contains(status) else { throw .invalidValue(field: "reply.status", reason: "\(status) is not an error status") }
            outcome = .failure(CallFailure(code, status: status, try reader.readString("reply.message", limit: Self.maxMessageBytes)))
        default:
            throw .unknownTag(field: "reply.outcome", tag: tag)
        }
    }

    public func encode(to writer: inout WireWriter) {
        writer.writeUInt8(Self.version)
        id.encode(to: &writer)
        switch outcome {
        case let .success(reply):
            writer.writeUInt8(0)
            writer.writeString(reply.contentType)
            writer.writeBytes(reply.body)
        case let .failure(failure):
            writer.writeUInt8(1)
            writer.writeUInt8(failure.code.rawValue)
            writer.writeUInt16(failure.status)
            writer.writeString(clipped(failure.message, toBytes: Self.maxMessageBytes))
        }
    }
}

/// The longest prefix of `text` that fits `limit` UTF-8 bytes, cut between scalars so it
/// stays valid UTF-8.
func clipped(_ text: String, toBytes limit: Int) -> String {
    guard text.utf8.count > limit else { return text }
    var result = String.UnicodeScalarView()
    var used = 0
    for scalar in text.unicodeScalars {
        used += UTF8.width(scalar)
        if used > limit { break }
        result.append(scalar)
    }
    return String(result)
}
