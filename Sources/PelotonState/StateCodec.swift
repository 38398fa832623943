import PelotonCrypto
import PelotonWire

/// The wire form of every CRDT. Collections are written in sorted order and read back only in
/// strictly increasing order, so one value has exactly one encoding (digests of equal states
/// are equal) and a peer cannot smuggle in duplicates. Stores may only hold dots their context
/// has seen, or a replica could later reuse a dot a hostile peer planted.
public enum StateLimits {
    /// Elements of one collection (set elements, dots, replicas, fields).
    public static let maxElements = 1 << 20
    /// Bytes of one set element, register value or field name.
    public static let maxStringBytes = 64 << 10
}

extension WireWriter {
    mutating func writeDot(_ dot: Dot) {
        writeNodeID(dot.replica)
        writeVarUInt(dot.counter)
    }

    mutating func writeContext(_ context: CausalContext) {
        writeArray(context.versions.sorted { $0.key < $1.key }) { writer, entry in
            writer.writeNodeID(entry.key)
            writer.writeVarUInt(entry.value)
        }
        writeArray(context.cloud.sorted()) { writer, dot in writer.writeDot(dot) }
    }

    mutating func writeDotSet(_ set: DotSet) {
        writeArray(set.members.sorted()) { writer, dot in writer.writeDot(dot) }
    }

    mutating func writeStrings(_ store: DotFun<String>) {
        writeArray(store.entries.sorted { $0.key < $1.key }) { writer, entry in
            writer.writeDot(entry.key)
            writer.writeString(entry.value)
        }
    }

    mutating func writeTotals(_ store: DotFun<Int64>) {
        writeArray(store.entries.sorted { $0.key < $1.key }) { writer, entry in
            writer.writeDot(entry.key)
            writer.writeUInt64(UInt64(bitPattern: entry.value))
        }
    }

    mutating func writeElements(_ store: DotMap<String, DotSet>) {
        writeArray(store.entries.sorted { $0.key < $1.key }) { writer, entry in
            writer.writeString(entry.key)
            writer.writeDotSet(entry.value)
        }
    }

    mutating func writeGCounter(_ counter: GCounter) {
        writeArray(counter.counts.sorted { $0.key < $1.key }) { writer, entry in
            writer.writeNodeID(entry.key)
            writer.writeVarUInt(entry.value)
        }
    }
}

extension WireReader {
    /// Reads a list whose keys must be strictly increasing.
    mutating func readSorted<Key: Comparable, Element>(
        _ field: String, key: (Element) -> Key, element: (inout WireReader) throws(WireError) -> Element
    ) throws(WireError) -> [Element] {
        let elements = try readArray(field, limit: StateLimits.maxElements, element: element)
        for index in elements.indices.dropFirst() where !(key(elements[index - 1]) < key(elements[index])) {
            throw .invalidValue(field: field, reason: "entries out of order or repeated")
        }
        return elements
    }

    mutating func readDot(_ field: String) throws(WireError) -> Dot {
        let replica = try readNodeID(field)
        let counter = try readVarUInt(field)
        guard counter > 0 else { throw .invalidValue(field: field, reason: "dot counter 0") }
        return Dot(replica: replica, counter: counter)
    }

    mutating func readContext() throws(WireError) -> CausalContext {
        let versions = try readSorted("context.versions", key: \.0) { reader throws(WireError) in
            (try reader.readNodeID("context.replica"), try reader.readVarUInt("context.version"))
        }
        let cloud = try readSorted("context.cloud", key: { $0 }) { reader throws(WireError) in try reader.readDot("context.dot") }
        let vector = Dictionary(uniqueKeysWithValues: versions)
        // Only the compact form is accepted: no zero versions, no cloud dot the vector covers
        // or continues.
        guard !vector.values.contains(0), cloud.allSatisfy({ $0.counter > vector[$0.replica, default: 0] + 1 }) else {
            throw .invalidValue(field: "context", reason: "not in compact form")
        }
        return CausalContext(versions: vector, cloud: Set(cloud))
    }

    mutating func readDotSet(_ field: String) throws(WireError) -> DotSet {
        let dots = try readSorted(field, key: { $0 }) { reader throws(WireError) in try reader.readDot(field) }
        return DotSet(Set(dots))
    }

    mutating func readStrings() throws(WireError) -> DotFun<String> {
        let entries = try readSorted("register.values", key: \.0) { reader throws(WireError) in
            (try reader.readDot("register.dot"), try reader.readString("register.value", limit: StateLimits.maxStringBytes))
        }
        return DotFun(Dictionary(uniqueKeysWithValues: entries))
    }

    mutating func readTotals() throws(WireError) -> DotFun<Int64> {
        let entries = try readSorted("counter.totals", key: \.0) { reader throws(WireError) in
            (try reader.readDot("counter.dot"), Int64(bitPattern: try reader.readUInt64("counter.total")))
        }
        return DotFun(Dictionary(uniqueKeysWithValues: entries))
    }

    mutating func readElements() throws(WireError) -> DotMap<String, DotSet> {
        let entries = try readSorted("set.elements", key: \.0) { reader throws(WireError) in
            let element = try reader.readString("set.element", limit: StateLimits.maxStringBytes)
            let dots = try reader.readDotSet("set.dots")
            guard !dots.isEmpty else { throw .invalidValue(field: "set.dots", reason: "an element without dots") }
            return (element, dots)
        }
        return DotMap(Dictionary(uniqueKeysWithValues: entries))
    }

    mutating func readGCounter() throws(WireError) -> GCounter {
        let counts = try readSorted("gcounter.counts", key: \.0) { reader throws(WireError) in
            let replica = try reader.readNodeID("gcounter.replica")
            let count = try reader.readVarUInt("gcounter.count")
            guard count > 0 else { throw .invalidValue(field: "gcounter.count", reason: "a zero count") }
            return (replica, count)
        }
        return GCounter(counts: Dictionary(uniqueKeysWithValues: counts))
    }

    /// A causal store with its context, refused when the store holds a dot the context lacks.
    mutating func readCausal<Store: DotStore>(
        _ field: String, store read: (inout WireReader) throws(WireError) -> Store
    ) throws(WireError) -> Causal<Store> {
        let store = try read(&self)
        let context = try readContext()
        guard store.dots.allSatisfy(context.contains) else {
            throw .invalidValue(field: field, reason: "holds a dot its context has not seen")
        }
        return Causal(store: store, context: context)
    }
}

extension EmbeddedValue {
    func encode(to writer: inout WireWriter) {
        switch self {
        case .absent: writer.writeUInt8(0)
        case let .counter(store): writer.writeTotals(store)
        case let .register(store): writer.writeStrings(store)
        case let .set(store): writer.writeElements(store)
        case let .flag(store): writer.writeDotSet(store)
        }
    }

    static func decode(_ kind: EmbeddedKind, from reader: inout WireReader) throws(WireError) -> EmbeddedValue {
        switch kind {
        case .counter: .counter(try reader.readTotals())
        case .register: .register(try reader.readStrings())
        case .set: .set(try reader.readElements())
        case .flag: .flag(try reader.readDotSet("flag.dots"))
        }
    }
}

extension StateValue: WireCodable {
    /// Set in the kind byte when pruning markers follow the payload: a value without markers
    /// (nearly all of them) keeps the form it had before pruning existed.
    static let prunedFlag: UInt8 = 0x80

    public func encode(to writer: inout WireWriter) {
        let markers = pruning
        writer.writeUInt8(kind.rawValue | (markers.isEmpty ? 0 : Self.prunedFlag))
        encodePayload(to: &writer)
        if !markers.isEmpty { writer.writePruning(markers) }
    }

    private func encodePayload(to writer: inout WireWriter) {
        switch self {
        case let .gcounter(counter):
            writer.writeGCounter(counter)
        case let .counter(counter):
            writer.writeGCounter(counter.increments)
            writer.writeGCounter(counter.decrements)
        case let .register(register):
            writer.writeBool(register.value != nil)
            if let value = register.value { writer.writeString(value) }
            writer.writeVarUInt(register.timestamp)
            writer.writeBool(register.writer != nil)
            if let replica = register.writer { writer.writeNodeID(replica) }
        case let .mvregister(register):
            writer.writeStrings(register.state.store)
            writer.writeContext(register.state.context)
        case let .set(set):
            writer.writeElements(set.state.store)
            writer.writeContext(set.state.context)
        case let .flag(flag):
            writer.writeDotSet(flag.state.store)
            writer.writeContext(flag.state.context)
        case let .map(map):
            writer.writeArray(map.state.store.entries.sorted { $0.key < $1.key }) { writer, entry in
                writer.writeString(entry.key.name)
                writer.writeUInt8(entry.key.kind.rawValue)
                entry.value.encode(to: &writer)
            }
            writer.writeContext(map.state.context)
        }
    }

    public init(from reader: inout WireReader) throws(WireError) {
        let tag = try reader.readUInt8("state.kind")
        guard let kind = StateKind(rawValue: tag & ~Self.prunedFlag), kind != .register || tag == kind.rawValue else {
            throw .unknownTag(field: "state.kind", tag: tag)
        }
        let payload = try Self.decodePayload(kind, from: &reader)
        guard tag & Self.prunedFlag != 0 else {
            self = payload
            return
        }
        let markers = try reader.readPruning()
        // A copy drops a folded replica's entries as it merges the marker: holding both is
        // not a state any replica makes.
        guard !markers.performed.contains(where: { payload.replicas.contains($0.replica) }) else {
            throw .invalidValue(field: "state.pruning", reason: "entries of a replica already pruned")
        }
        self = payload.withPruning(markers)
    }

    private static func decodePayload(_ kind: StateKind, from reader: inout WireReader) throws(WireError) -> StateValue {
        switch kind {
        case .gcounter:
            return .gcounter(try reader.readGCounter())
        case .counter:
            return .counter(PNCounter(increments: try reader.readGCounter(), decrements: try reader.readGCounter()))
        case .register:
            let value = try reader.readBool("register.hasValue") ? try reader.readString("register.value", limit: StateLimits.maxStringBytes) : nil
            let timestamp = try reader.readVarUInt("register.timestamp")
            let writer = try reader.readBool("register.hasWriter") ? try reader.readNodeID("register.writer") : nil
            guard (value == nil) == (writer == nil) else { throw .invalidValue(field: "register", reason: "a value without a writer") }
            return .register(LWWRegister(value: value, timestamp: timestamp, writer: writer))
        case .mvregister:
            return .mvregister(MVRegister(state: try reader.readCausal("mvregister") { reader throws(WireError) in try reader.readStrings() }))
        case .set:
            return .set(ORSet(state: try reader.readCausal("set") { reader throws(WireError) in try reader.readElements() }))
        case .flag:
            return .flag(EnableWinsFlag(state: try reader.readCausal("flag") { reader throws(WireError) in try reader.readDotSet("flag.dots") }))
        case .map:
            return .map(ORMap(state: try reader.readCausal("map") { reader throws(WireError) in
                let fields = try reader.readSorted("map.fields", key: \.0) { reader throws(WireError) in
                    let name = try reader.readString("map.field", limit: StateLimits.maxStringBytes)
                    let tag = try reader.readUInt8("map.kind")
                    guard let kind = EmbeddedKind(rawValue: tag) else { throw .unknownTag(field: "map.kind", tag: tag) }
                    let value = try EmbeddedValue.decode(kind, from: &reader)
                    guard !value.isEmpty else { throw .invalidValue(field: "map.field", reason: "a field without dots") }
                    return (MapField(name, kind), value)
                }
                return DotMap(Dictionary(uniqueKeysWithValues: fields))
            }))
        }
    }
}

extension WireWriter {
    mutating func writePruning(_ markers: PruningMarkers) {
        writeArray(markers.states.sorted { $0.key < $1.key }) { writer, entry in
            writer.writeNodeID(entry.key)
            switch entry.value {
            case let .initialized(owner, round, seen):
                writer.writeUInt8(1)
                writer.writeNodeID(owner)
                writer.writeVarUInt(round)
                writer.writeArray(seen.sorted()) { writer, node in writer.writeNodeID(node) }
            case let .performed(until, renamed):
                writer.writeUInt8(2)
                writer.writeVarUInt(until)
                writer.writeArray(renamed.sorted { $0.key < $1.key }) { writer, entry in
                    writer.writeDot(entry.key)
                    writer.writeDot(entry.value)
                }
            }
        }
    }
}

extension WireReader {
    /// At most this many removed replicas pruned from one value at once, and owners seen.
    static let maxPruningMarkers = 4096

    mutating func readPruning() throws(WireError) -> PruningMarkers {
        let entries = try readSorted("pruning.replicas", key: \.0) { reader throws(WireError) -> (NodeID, PruningState) in
            let replica = try reader.readNodeID("pruning.replica")
            let tag = try reader.readUInt8("pruning.state")
            switch tag {
            case 1:
                let owner = try reader.readNodeID("pruning.owner")
                let round = try reader.readVarUInt("pruning.round")
                let seen = try reader.readSorted("pruning.seen", key: { $0 }) { reader throws(WireError) in try reader.readNodeID("pruning.seen") }
                guard seen.count <= Self.maxPruningMarkers else { throw .invalidValue(field: "pruning.seen", reason: "too many owners") }
                return (replica, .initialized(owner: owner, round: round, seen: Set(seen)))
            case 2:
                let until = try reader.readVarUInt("pruning.until")
                let renamed = try reader.readSorted("pruning.renamed", key: \.0) { reader throws(WireError) in
                    (try reader.readDot("pruning.old"), try reader.readDot("pruning.new"))
                }
                // Old names are the pruned replica's, new ones another's: renaming can never
                // bring the pruned replica back, nor chain.
                guard renamed.allSatisfy({ $0.0.replica == replica && $0.1.replica != replica }),
                      Set(renamed.map(\.1)).count == renamed.count else {
                    throw .invalidValue(field: "pruning.renamed", reason: "must map the pruned replica's dots one to one onto another's")
                }
                return (replica, .performed(untilMilliseconds: until, renamed: Dictionary(uniqueKeysWithValues: renamed)))
            default:
                throw .unknownTag(field: "pruning.state", tag: tag)
            }
        }
        guard !entries.isEmpty, entries.count <= Self.maxPruningMarkers else {
            throw .invalidValue(field: "pruning.replicas", reason: "\(entries.count) markers (1 to \(Self.maxPruningMarkers))")
        }
        return PruningMarkers(Dictionary(uniqueKeysWithValues: entries))
    }
}
