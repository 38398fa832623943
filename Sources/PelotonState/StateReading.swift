/// A state as JSON: what the HTTP API, the CLI and the client show. Counters are numbers, sets
/// and multi-value registers are lists, a register is a string (or null), a flag is a boolean,
/// and a map is an object from field name to an object from the field's kind to its value.
public indirect enum StateJSON: Encodable, Equatable, Sendable {
    case number(Int64)
    case unsigned(UInt64)
    case string(String?)
    case strings([String])
    case bool(Bool)
    case object([String: StateJSON])

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case let .number(value): try container.encode(value)
        case let .unsigned(value): try container.encode(value)
        case let .string(value): try container.encode(value)
        case let .strings(values): try container.encode(values)
        case let .bool(value): try container.encode(value)
        case let .object(fields): try container.encode(fields)
        }
    }
}

extension StateValue {
    /// What a reader sees: the value without its causal bookkeeping.
    public var json: StateJSON {
        switch self {
        case let .gcounter(counter): .unsigned(counter.value)
        case let .counter(counter): .number(counter.value)
        case let .register(register): .string(register.value)
        case let .mvregister(register): .strings(register.values)
        case let .set(set): .strings(set.elements)
        case let .flag(flag): .bool(flag.isEnabled)
        case let .map(map):
            .object(Dictionary(grouping: map.fields, by: \.name).mapValues { fields in
                .object(Dictionary(uniqueKeysWithValues: fields.compactMap { field in
                    map[field].map { (field.kind.name, $0.json) }
                }))
            })
        }
    }
}

extension EmbeddedValue {
    var json: StateJSON {
        switch self {
        case .absent: .string(nil)
        case let .counter(store): .number(store.total)
        case let .register(store): .strings(store.entries.values.sorted())
        case let .set(store): .strings(store.entries.keys.sorted())
        case let .flag(store): .bool(!store.isEmpty)
        }
    }
}

/// The body of a write through the HTTP API: which fields count depends on the operation.
public struct StateWriteBody: Codable, Sendable {
    /// PATCH names the operation in the body; POST names it in the path.
    public var operation: String?
    public var by: Int64?
    public var value: String?
    public var element: String?
    public var elements: [String]?
    /// Map operations: the field, what `update` does to it, and its kind for `remove-field`.
    public var field: String?
    public var change: String?
    public var type: String?

    public init(
        operation: String? = nil, by: Int64? = nil, value: String? = nil, element: String? = nil, elements: [String]? = nil,
        field: String? = nil, change: String? = nil, type: String? = nil
    ) {
        self.operation = operation
        self.by = by
        self.value = value
        self.element = element
        self.elements = elements
        self.field = field
        self.change = change
        self.type = type
    }

    /// The operations each kind takes, for error messages and help.
    public static func operations(of kind: StateKind) -> [String] {
        switch kind {
        case .gcounter: ["increment"]
        case .counter: ["increment", "decrement"]
        case .register, .mvregister: ["assign"]
        case .set: ["add", "remove"]
        case .flag: ["enable", "disable"]
        case .map: ["update", "remove-field"]
        }
    }

    /// The operation `name` on a `kind` with this body, or an error saying what is wrong.
    public func operation(named name: String, on kind: StateKind) throws(StateError) -> StateOperation {
        guard Self.operations(of: kind).contains(name) else {
            throw .invalidValue("a \(kind.name) takes \(Self.operations(of: kind).joined(separator: ", ")), not '\(name)'")
        }
        switch (kind, name) {
        case (.gcounter, _):
            let amount = by ?? 1
            guard amount >= 0 else { throw .invalidValue("a gcounter only grows: \"by\" must not be negative") }
            return .increment(UInt64(amount))
        case (.counter, "increment"):
            return .add(by ?? 1)
        case (.counter, _):
            return .add(-(by ?? 1).clampedForNegation)
        case (.register, _), (.mvregister, _):
            guard let value else { throw .invalidValue("assign needs \"value\": a string") }
            try Self.check(value)
            return .assign(value)
        case (.set, _):
            let named = (elements ?? []) + (element.map { [$0] } ?? [])
            guard !named.isEmpty else { throw .invalidValue("\(name) needs \"element\" or \"elements\"") }
            guard named.count <= StateOperation.maxElements else { throw .invalidValue("at most \(StateOperation.maxElements) elements at once") }
            for element in named { try Self.check(element) }
            return name == "add" ? .insert(named) : .remove(named)
        case (.flag, _):
            return name == "enable" ? .enable : .disable
        case (.map, "update"):
            guard let field, !field.isEmpty else { throw .invalidValue("update needs \"field\"") }
            try Self.check(field)
            guard let fieldOperation = change else {
                throw .invalidValue("update needs \"change\": increment, decrement, assign, add, remove, enable or disable")
            }
            let update: FieldUpdate
            switch fieldOperation {
            case "increment": update = .add(by ?? 1)
            case "decrement": update = .add(-(by ?? 1).clampedForNegation)
            case "assign":
                guard let value else { throw .invalidValue("assign needs \"value\"") }
                try Self.check(value)
                update = .assign(value)
            case "add", "remove":
                guard let element else { throw .invalidValue("\(fieldOperation) needs \"element\"") }
                try Self.check(element)
                update = fieldOperation == "add" ? .insert(element) : .remove(element)
            case "enable": update = .enable
            case "disable": update = .disable
            default: throw .invalidValue("unknown field operation '\(fieldOperation)'")
            }
            return .updateField(field, update)
        case (.map, _):
            guard let field, let type, let kind = EmbeddedKind(name: type) else {
                throw .invalidValue("remove-field needs \"field\" and \"type\" (counter, register, set or flag)")
            }
            return .removeField(MapField(field, kind))
        }
    }

    private static func check(_ string: String) throws(StateError) {
        guard string.utf8.count <= StateLimits.maxStringBytes else {
            throw .invalidValue("strings are at most \(StateLimits.maxStringBytes) bytes")
        }
    }
}

extension Int64 {
    /// `Int64.min` has no positive counterpart; a decrement by it subtracts `Int64.max`.
    var clampedForNegation: Int64 { self == .min ? .max : self }
}
