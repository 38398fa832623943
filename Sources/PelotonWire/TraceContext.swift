import PelotonCrypto

/// A W3C trace context (`traceparent` and `tracestate`), as a call carries it from node to
/// node so that one request is one trace on every node it touches. On the wire it is 25 bytes
/// and the trace state; text is parsed once, where a client hands it in.
public struct TraceContext: Equatable, Hashable, Sendable {
    /// The trace state is opaque to Peloton and passed on; W3C asks for at most 512 bytes.
    public static let maxStateBytes = 512

    public let traceID: [UInt8]
    public let spanID: [UInt8]
    public let flags: UInt8
    public let state: String

    /// Whether the caller records this trace (the `sampled` flag).
    public var isSampled: Bool { flags & 1 == 1 }

    /// Nil when an ID has the wrong length or is all zeros (W3C: such a context is invalid).
    public init?(traceID: [UInt8], spanID: [UInt8], flags: UInt8, state: String = "") {
        guard traceID.count == 16, spanID.count == 8, traceID.contains(where: { $0 != 0 }), spanID.contains(where: { $0 != 0 }) else { return nil }
        self.traceID = traceID
        self.spanID = spanID
        self.flags = flags
        self.state = Self.validState(state) ?? ""
    }

    /// Parses a `traceparent` header (`00-<32 hex>-<16 hex>-<2 hex>`); nil for anything W3C
    /// says to ignore. A later version's header is read by its version-00 prefix, as the
    /// recommendation asks. An invalid `tracestate` is dropped, the parent kept.
    public init?(traceparent: some StringProtocol, tracestate: (some StringProtocol)? = String?.none) {
        let bytes = Array(traceparent.utf8)
        guard bytes.count >= 55, bytes[2] == UInt8(ascii: "-"), bytes[35] == UInt8(ascii: "-"), bytes[52] == UInt8(ascii: "-"),
            let version = Self.hexBytes(bytes[0..<2]).first, version != 0xff,
            version != 0 ? (bytes.count == 55 || bytes[55] == UInt8(ascii: "-")) : bytes.count == 55,
            let flags = Self.hexBytes(bytes[53..<55]).first
        else { return nil }
        let traceID = Self.hexBytes(bytes[3..<35])
        let spanID = Self.hexBytes(bytes[36..<52])
        self.init(traceID: traceID, spanID: spanID, flags: flags, state: tracestate.map { String($0) } ?? "")
    }

    /// The `traceparent` header of this context, version 00.
    public var traceparent: String {
        "00-\(hexString(traceID))-\(hexString(spanID))-\(hexString([flags]))"
    }

    public var traceIDHex: String { hexString(traceID) }
    public var spanIDHex: String { hexString(spanID) }

    /// Printable ASCII of at most `maxStateBytes`, or nil (W3C: discard a bad `tracestate`).
    private static func validState(_ state: String) -> String? {
        let utf8 = state.utf8
        guard utf8.count <= maxStateBytes, utf8.allSatisfy({ (0x20...0x7e).contains($0) }) else { return nil }
        return state
    }

    /// Lowercase hex only, as W3C requires (`bytes(fromHex:)` also takes uppercase); empty on
    /// any other byte.
    private static func hexBytes(_ text: ArraySlice<UInt8>) -> [UInt8] {
        func nibble(_ byte: UInt8) -> UInt8? {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
            default: nil
            }
        }
        var result: [UInt8] = []
        result.reserveCapacity(text.count / 2)
        var index = text.startIndex
        while index + 1 < text.endIndex {
            guard let high = nibble(text[index]), let low = nibble(text[index + 1]) else { return [] }
            result.append(high << 4 | low)
            index += 2
        }
        return result
    }
}

extension TraceContext: WireCodable {
    public init(from reader: inout WireReader) throws(WireError) {
        let traceID = try reader.readFixedBytes("trace.id", count: 16)
        let spanID = try reader.readFixedBytes("trace.span", count: 8)
        let flags = try reader.readUInt8("trace.flags")
        let state = try reader.readString("trace.state", limit: Self.maxStateBytes)
        guard let context = TraceContext(traceID: traceID, spanID: spanID, flags: flags, state: state) else {
            throw .invalidValue(field: "trace", reason: "a trace or span id of zeros")
        }
        guard context.state == state else { throw .invalidValue(field: "trace.state", reason: "not printable ASCII") }
        self = context
    }

    public func encode(to writer: inout WireWriter) {
        writer.writeFixedBytes(traceID)
        writer.writeFixedBytes(spanID)
        writer.writeUInt8(flags)
        writer.writeString(state)
    }
}
