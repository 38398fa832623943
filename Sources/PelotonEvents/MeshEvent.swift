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
        let words = secureRandomWords()
        return EventID(high: words.high, low: words.low)
    }

    public static func < (lhs: EventID, rhs: EventID) -> Bool { (lhs.high, lhs.low) < (rhs.high, rhs.low) }
    public var description: String { NodeID(high: high, low: low).description }
}

/// One published event: its id, topic, the node that published it and its number among that
/// node's events (for repair: a gap in an origin's numbers is a missed event), when (that
/// node's clock, milliseconds since 1970), and a payload (JSON by convention) small enough for
/// one datagram.
public struct MeshEvent: Equatable, Sendable {
    /// The largest event (this payload and a 255-byte topic) still fits one gossip batch.
    public static let maxPayloadBytes = 768

    public let id: EventID
    public let topic: Topic
    public let origin: NodeID
    public let sequence: UInt64
    public let publishedAtMilliseconds: UInt64
    public let payload: [UInt8]

    public init(
        id: EventID = .random(), topic: Topic, origin: NodeID, sequence: UInt64, publishedAtMilliseconds: UInt64, payload: [UInt8]
    ) throws(EventError) {
        guard payload.count <= Self.maxPayloadBytes else { throw .payloadTooLarge(payload.count, limit: Self.maxPayloadBytes) }
        self.id = id
        self.topic = topic
        self.origin = origin
        self.sequence = sequence
        self.publishedAtMilliseconds = publishedAtMilliseconds
        self.payload = payload
    }

    /// Bytes it takes in a batch.
    public var encodedSize: Int {
        16 + WireWriter.stringSize(topic.description) + NodeID.byteCount + WireWriter.varUIntSize(sequence) + WireWriter.varUIntSize(publishedAtMilliseconds)
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
            writer.writeVarUInt(event.sequence)
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
            let sequence = try reader.readVarUInt("event.sequence")
            let published = try reader.readVarUInt("event.publishedAt")
            let payload = try reader.readBytes("event.payload", limit: MeshEvent.maxPayloadBytes)
            do {
                return try MeshEvent(
                    id: id, topic: try Topic(text), origin: origin, sequence: sequence, publishedAtMilliseconds: published, payload: payload)
            } catch {
                throw .invalidValue(field: "event.topic", reason: "\(error)")
            }
        }
    }
}

/// How far a node has heard an origin's events: every number up to `contiguous`.
public struct EventWatermark: Equatable, Sendable {
    public let origin: NodeID
    public let contiguous: UInt64

    public init(origin: NodeID, contiguous: UInt64) {
        self.origin = origin
        self.contiguous = contiguous
    }
}

/// What nodes send each other about events: events, or a digest of what one has heard (the
/// peer answers with the recent events it holds beyond those marks).
public enum EventMessage: Equatable, Sendable, WireCodable {
    case batch(EventBatch)
    case digest([EventWatermark])

    public static let maxWatermarks = 4096

    public func encode(to writer: inout WireWriter) {
        switch self {
        case let .batch(batch):
            writer.writeUInt8(1)
            batch.encode(to: &writer)
        case let .digest(marks):
            writer.writeUInt8(2)
            writer.writeArray(marks) { writer, mark in
                writer.writeNodeID(mark.origin)
                writer.writeVarUInt(mark.contiguous)
            }
        }
    }

    public init(from reader: inout WireReader) throws(WireError) {
        let tag = try reader.readUInt8("event.message")
        switch tag {
        case 1: self = .batch(try EventBatch(from: &reader))
        case 2:
            self = .digest(try reader.readArray("event.digest", limit: Self.maxWatermarks) { reader throws(WireError) in
                EventWatermark(origin: try reader.readNodeID("event.digest.origin"), contiguous: try reader.readVarUInt("event.digest.contiguous"))
            })
        default: throw .unknownTag(field: "event.message", tag: tag)
        }
    }
}
