import PelotonCrypto
import PelotonWire

/// What one node asks of an owner of state. These travel as the bodies of calls to the
/// reserved service `peloton.state` over the nodes' authenticated call streams.
public enum StateRequest: Equatable, Sendable {
    /// Run a write here (this node is an owner) and replicate it to the other owners.
    case write(StateKey, StateOperation, ConsistencyLevel)
    /// Merge deltas or whole states (from the owner that ran a write, or from anti-entropy).
    case merge([StateKey: StateValue])
    /// Read a key: from a client, merged from `level` owners; from a node, this owner's state.
    case read(StateKey, ConsistencyLevel)
    /// Anti-entropy: the sender's digests of the keys it holds that the receiver owns. The
    /// receiver answers with what differs among those and the keys it holds that the sender owns.
    case digest(sender: NodeID, [DigestEntry])
    /// Merge the delta of write `write`, which the sending owner ran: the receiver then knows
    /// the write is held here and never applies it again (`WriteLedger`).
    case replicate(write: WriteID, key: StateKey, delta: StateValue)

    public static let version: UInt8 = 1
    public static let maxKeysPerMessage = 65_536

    /// Each request's tag on the wire; its name is a span's (`state write`).
    enum Tag: UInt8 {
        case write = 1, merge, read, digest, replicate
    }

    /// What an encoded request asks (`state write`, `state read`...), read from its tag
    /// without decoding it: a span's name.
    public static func name(ofWire bytes: [UInt8]) -> String {
        guard bytes.count >= 2, bytes[0] == version, let tag = Tag(rawValue: bytes[1]) else { return "state ?" }
        return "state \(tag)"
    }
}

/// An owner's answer.
public enum StateResponse: Equatable, Sendable {
    /// The write ran; its state after the write, and how many owners hold it durably.
    case written(StateValue, acknowledged: Int, owners: Int)
    case merged
    case value(StateValue?)
    case answer(DigestAnswer)

    public static let version: UInt8 = 1
}

extension WireWriter {
    mutating func writeKey(_ key: StateKey) {
        writeUInt8(key.kind.rawValue)
        writeString(key.name)
    }

    mutating func writeStates(_ states: [StateKey: StateValue]) {
        writeArray(states.sorted { $0.key < $1.key }) { writer, entry in
            writer.writeKey(entry.key)
            entry.value.encode(to: &writer)
        }
    }
}

extension WireReader {
    mutating func readKey() throws(WireError) -> StateKey {
        let tag = try readUInt8("state.key.kind")
        guard let kind = StateKind(rawValue: tag) else { throw .unknownTag(field: "state.key.kind", tag: tag) }
        let name = try readString("state.key.name", limit: StateKey.maxNameBytes)
        do {
            return try StateKey(kind: kind, name: name)
        } catch {
            throw .invalidValue(field: "state.key.name", reason: "\(error)")
        }
    }

    mutating func readStates() throws(WireError) -> [StateKey: StateValue] {
        let entries = try readArray("state.entries", limit: StateRequest.maxKeysPerMessage) { reader throws(WireError) in
            let key = try reader.readKey()
            let value = try StateValue(from: &reader)
            guard value.kind == key.kind else { throw .invalidValue(field: "state.entries", reason: "a \(value.kind.name) under a \(key.kind.name) key") }
            return (key, value)
        }
        var states: [StateKey: StateValue] = [:]
        for (key, value) in entries {
            guard states.updateValue(value, forKey: key) == nil else { throw .invalidValue(field: "state.entries", reason: "a key twice") }
        }
        return states
    }

    mutating func readKeys(_ field: String) throws(WireError) -> [StateKey] {
        try readArray(field, limit: StateRequest.maxKeysPerMessage) { reader throws(WireError) in try reader.readKey() }
    }
}

extension FieldUpdate {
    func encode(to writer: inout WireWriter) {
        switch self {
        case let .add(amount): writer.writeUInt8(1); writer.writeUInt64(UInt64(bitPattern: amount))
        case let .assign(value): writer.writeUInt8(2); writer.writeString(value)
        case let .insert(element): writer.writeUInt8(3); writer.writeString(element)
        case let .remove(element): writer.writeUInt8(4); writer.writeString(element)
        case .enable: writer.writeUInt8(5)
        case .disable: writer.writeUInt8(6)
        }
    }

    static func decode(from reader: inout WireReader) throws(WireError) -> FieldUpdate {
        let tag = try reader.readUInt8("field.update")
        switch tag {
        case 1: return .add(Int64(bitPattern: try reader.readUInt64("field.amount")))
        case 2: return .assign(try reader.readString("field.value", limit: StateLimits.maxStringBytes))
        case 3: return .insert(try reader.readString("field.element", limit: StateLimits.maxStringBytes))
        case 4: return .remove(try reader.readString("field.element", limit: StateLimits.maxStringBytes))
        case 5: return .enable
        case 6: return .disable
        default: throw .unknownTag(field: "field.update", tag: tag)
        }
    }
}

extension StateOperation: WireCodable {
    /// Elements one insert or remove may name.
    public static let maxElements = 4096

    public func encode(to writer: inout WireWriter) {
        switch self {
        case let .increment(amount): writer.writeUInt8(1); writer.writeVarUInt(amount)
        case let .add(amount): writer.writeUInt8(2); writer.writeUInt64(UInt64(bitPattern: amount))
        case let .assign(value): writer.writeUInt8(3); writer.writeString(value)
        case let .insert(elements): writer.writeUInt8(4); writer.writeArray(elements) { $0.writeString($1) }
        case let .remove(elements): writer.writeUInt8(5); writer.writeArray(elements) { $0.writeString($1) }
        case .enable: writer.writeUInt8(6)
        case .disable: writer.writeUInt8(7)
        case let .updateField(name, update):
            writer.writeUInt8(8)
            writer.writeString(name)
            update.encode(to: &writer)
        case let .removeField(field):
            writer.writeUInt8(9)
            writer.writeString(field.name)
            writer.writeUInt8(field.kind.rawValue)
        }
    }

    public init(from reader: inout WireReader) throws(WireError) {
        func elements(_ reader: inout WireReader) throws(WireError) -> [String] {
            try reader.readArray("operation.elements", limit: Self.maxElements) { reader throws(WireError) in
                try reader.readString("operation.element", limit: StateLimits.maxStringBytes)
            }
        }
        let tag = try reader.readUInt8("operation")
        switch tag {
        case 1: self = .increment(try reader.readVarUInt("operation.amount"))
        case 2: self = .add(Int64(bitPattern: try reader.readUInt64("operation.amount")))
        case 3: self = .assign(try reader.readString("operation.value", limit: StateLimits.maxStringBytes))
        case 4: self = .insert(try elements(&reader))
        case 5: self = .remove(try elements(&reader))
        case 6: self = .enable
        case 7: self = .disable
        case 8:
            let name = try reader.readString("operation.field", limit: StateLimits.maxStringBytes)
            self = .updateField(name, try FieldUpdate.decode(from: &reader))
        case 9:
            let name = try reader.readString("operation.field", limit: StateLimits.maxStringBytes)
            let kindTag = try reader.readUInt8("operation.fieldKind")
            guard let kind = EmbeddedKind(rawValue: kindTag) else { throw .unknownTag(field: "operation.fieldKind", tag: kindTag) }
            self = .removeField(MapField(name, kind))
        default:
            throw .unknownTag(field: "operation", tag: tag)
        }
    }
}

extension StateRequest: WireCodable {
    public func encode(to writer: inout WireWriter) {
        writer.writeUInt8(Self.version)
        switch self {
        case let .write(key, operation, level):
            writer.writeUInt8(Tag.write.rawValue)
            writer.writeKey(key)
            operation.encode(to: &writer)
            writer.writeUInt8(level.tag)
        case let .merge(states):
            writer.writeUInt8(Tag.merge.rawValue)
            writer.writeStates(states)
        case let .read(key, level):
            writer.writeUInt8(Tag.read.rawValue)
            writer.writeKey(key)
            writer.writeUInt8(level.tag)
        case let .digest(sender, entries):
            writer.writeUInt8(Tag.digest.rawValue)
            writer.writeNodeID(sender)
            writer.writeArray(entries) { writer, entry in
                writer.writeKey(entry.key)
                writer.writeUInt64(entry.hash)
            }
        case let .replicate(write, key, delta):
            writer.writeUInt8(Tag.replicate.rawValue)
            write.encode(to: &writer)
            writer.writeKey(key)
            delta.encode(to: &writer)
        }
    }

    public init(from reader: inout WireReader) throws(WireError) {
        try reader.readVersion(of: "state request", expected: Self.version)
        let tag = try reader.readUInt8("state.request")
        switch Tag(rawValue: tag) {
        case .write:
            let key = try reader.readKey()
            let operation = try StateOperation(from: &reader)
            self = .write(key, operation, try ConsistencyLevel(tag: reader.readUInt8("state.level")))
        case .merge: self = .merge(try reader.readStates())
        case .read:
            let key = try reader.readKey()
            self = .read(key, try ConsistencyLevel(tag: reader.readUInt8("state.level")))
        case .digest:
            let sender = try reader.readNodeID("state.digest.sender")
            self = .digest(sender: sender, try reader.readArray("state.digest", limit: Self.maxKeysPerMessage) { reader throws(WireError) in
                DigestEntry(key: try reader.readKey(), hash: try reader.readUInt64("state.digest.hash"))
            })
        case .replicate:
            let write = try WriteID(from: &reader)
            let key = try reader.readKey()
            let delta = try StateValue(from: &reader)
            guard delta.kind == key.kind else { throw .invalidValue(field: "state.replicate", reason: "a \(delta.kind.name) under a \(key.kind.name) key") }
            self = .replicate(write: write, key: key, delta: delta)
        case nil: throw .unknownTag(field: "state.request", tag: tag)
        }
    }
}

extension StateResponse: WireCodable {
    public func encode(to writer: inout WireWriter) {
        writer.writeUInt8(Self.version)
        switch self {
        case let .written(state, acknowledged, owners):
            writer.writeUInt8(1)
            state.encode(to: &writer)
            writer.writeVarUInt(UInt64(acknowledged))
            writer.writeVarUInt(UInt64(owners))
        case .merged:
            writer.writeUInt8(2)
        case let .value(state):
            writer.writeUInt8(3)
            writer.writeBool(state != nil)
            state?.encode(to: &writer)
        case let .answer(answer):
            writer.writeUInt8(4)
            writer.writeStates(answer.states)
            writer.writeArray(answer.wanted) { $0.writeKey($1) }
        }
    }

    public init(from reader: inout WireReader) throws(WireError) {
        try reader.readVersion(of: "state response", expected: Self.version)
        let tag = try reader.readUInt8("state.response")
        switch tag {
        case 1:
            let state = try StateValue(from: &reader)
            let acknowledged = try reader.readCount("state.acknowledged", limit: 255)
            let owners = try reader.readCount("state.owners", limit: 255)
            self = .written(state, acknowledged: acknowledged, owners: owners)
        case 2: self = .merged
        case 3: self = .value(try reader.readBool("state.hasValue") ? try StateValue(from: &reader) : nil)
        case 4:
            let states = try reader.readStates()
            self = .answer(DigestAnswer(states: states, wanted: try reader.readKeys("state.wanted")))
        default: throw .unknownTag(field: "state.response", tag: tag)
        }
    }
}

extension ConsistencyLevel {
    var tag: UInt8 {
        switch self {
        case .one: 1
        case .quorum: 2
        case .all: 3
        }
    }

    init(tag: UInt8) throws(WireError) {
        switch tag {
        case 1: self = .one
        case 2: self = .quorum
        case 3: self = .all
        default: throw .unknownTag(field: "state.level", tag: tag)
        }
    }
}
