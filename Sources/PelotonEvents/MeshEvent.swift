import PelotonCrypto
import PelotonWire

/// Names one event everywhere: a node that sees an id again does not deliver it again.
public struct EventID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let high: UInt64
    public let low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    public static func random() -> EventID {
        let bytes = secureRandomBytes(count: 16)
        let words = stride(from: 0, to: 16, by: 8).map { start in bytes[start..<start + 8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) } }
        return EventID(high: words[0], low: words[1])
    }

    public static func < (lhs: EventID, rhs: EventID) -> Bool { (lhs.high, lhs.low) < (rhs.high, rhs.low) }
    public var description: String { NodeID(high: high, low: low).description }
}

/// One published event: its id, topic, the node that published it, when (that node's clock,
/// milliseconds since 1970), and a payload (JSON by convention) small enough for one datagram.
public struct MeshEvent: Equatable, Sendable {
    /// The largest event (this payload and a 255-byte topic) still fits one gossip batch.
    public static let maxPayloadBytes = 768

    public let id: EventID
    public let topic: Topic
    public let origin: NodeID
    public let publishedAtMilliseconds: UInt64
    public let payload: [UInt8]

    public init(id: EventID = .random(), topic: Topic, origin: NodeID, publishedAtMilliseconds: UInt64, payload: [UInt8]) throws(EventError) {
        guard payload.count <= Self.maxPayloadBytes else { throw .payloadTooLarge(payload.count, limit: Self.maxPayloadBytes) }
        self.id = id
        self.topic = topic
        self.origin = origin
        self.publishedAtMilliseconds = publishedAtMilliseconds
        self.payload = payload
    }

    /// Bytes it takes in a batch.
    public var encodedSize: Int {
        16 + WireWriter.stringSize(topic.description) + NodeID.byteCount + WireWriter.varUIntSize(publishedAtMilliseconds)
            + WireWriter.varUIntSize(UInt64(payload.count)) + payload.count
    }
}

/// Events gossiped to one peer in one datagram.
public struct EventBatch: Equatable, Sendable, WireCodable {
    public static let version: UInt8 = 1
    public static let maxEvents = 64

    public var events: [MeshEvent]

    public init(events: [MeshEvent]) { self.events = events }

    public func encode(to writer: inout WireWriter) {
        writer.writeUInt8(Self.version)
        writer.writeArray(events) { writer, event in
            writer.writeUInt64(event.id.high)
            writer.writeUInt64(event.id.low)
            writer.writeString(event.topic.description)
            writer.writeNodeID(event.origin)
            writer.writeVarUInt(event.publishedAtMilliseconds)
            writer.writeBytes(event.payload)
        }
    }

    public init(from reader: inout WireReader) throws(WireError) {
        try reader.readVersion(of: "event batch", expected: Self.version)
        events = try reader.readArray("events", limit: Self.maxEvents) { reader throws(WireError) in
            let id = EventID(high: try reader.readUInt64("event.id"), low: try reader.readUInt64("event.id"))
            let text = try reader.readString("event.topic", limit: Topic.maxBytes)
            let origin = try reader.readNodeID("event.origin")
            let published = try reader.readVarUInt("event.publishedAt")
            let payload = try reader.readBytes("event.payload", limit: MeshEvent.maxPayloadBytes)
            do {
                return try MeshEvent(id: id, topic: try Topic(text), origin: origin, publishedAtMilliseconds: published, payload: payload)
            } catch {
                throw .invalidValue(field: "event.topic", reason: "\(error)")
            }
        }
    }
}
