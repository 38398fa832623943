/// An event's topic: dot-separated segments of letters, digits, '-' and '_', such as
/// `orders.created` or `mesh.member.dead`.
public struct Topic: Hashable, Sendable, CustomStringConvertible {
    public static let maxBytes = 255
    public let segments: [Substring]
    public let description: String

    public init(_ text: String) throws(EventError) {
        guard !text.isEmpty, text.utf8.count <= Self.maxBytes else { throw .invalidTopic(text, "1 to \(Self.maxBytes) bytes") }
        let segments = text.split(separator: ".", omittingEmptySubsequences: false)
        guard segments.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isTopicCharacter) }) else {
            throw .invalidTopic(text, "segments of letters, digits, '-' or '_' separated by '.'")
        }
        self.segments = segments
        description = text
    }

    public static func == (lhs: Topic, rhs: Topic) -> Bool { lhs.description == rhs.description }
    public func hash(into hasher: inout Hasher) { hasher.combine(description) }
}

/// What a subscriber listens to: a topic where `*` stands for exactly one segment and `#` for
/// any number of segments, none included (as in AMQP): `orders.*` matches `orders.created`,
/// `orders.#` also matches `orders` and `orders.eu.created`.
public struct TopicPattern: Hashable, Sendable, CustomStringConvertible {
    public let description: String
    private let segments: [Substring]

    public init(_ text: String) throws(EventError) {
        guard !text.isEmpty, text.utf8.count <= Topic.maxBytes else { throw .invalidTopic(text, "1 to \(Topic.maxBytes) bytes") }
        let segments = text.split(separator: ".", omittingEmptySubsequences: false)
        guard segments.allSatisfy({ $0 == "*" || $0 == "#" || (!$0.isEmpty && $0.allSatisfy(\.isTopicCharacter)) }) else {
            throw .invalidTopic(text, "segments of letters, digits, '-' or '_', or the wildcards '*' and '#', separated by '.'")
        }
        self.segments = segments
        description = text
    }

    /// `#`: every topic. Built directly, as it needs no checking.
    public static let everything = TopicPattern(checked: ["#"])

    private init(checked segments: [Substring]) {
        self.segments = segments
        description = segments.joined(separator: ".")
    }

    /// Dynamic programming over (pattern segment, topic segment): time in proportion to their
    /// product, so no pattern of many `#` can make a match take long.
    public func matches(_ topic: Topic) -> Bool {
        let pattern = segments
        let words = topic.segments
        // `next[j]`: pattern[i+1...] matches words[j...]; `row[j]`: pattern[i...] does.
        var next = [Bool](repeating: false, count: words.count + 1)
        next[words.count] = true
        for i in pattern.indices.reversed() {
            var row = [Bool](repeating: false, count: words.count + 1)
            for j in stride(from: words.count, through: 0, by: -1) {
                if pattern[i] == "#" {
                    row[j] = next[j] || (j < words.count && row[j + 1])
                } else {
                    row[j] = j < words.count && (pattern[i] == "*" || pattern[i] == words[j]) && next[j + 1]
                }
            }
            next = row
        }
        return next[0]
    }

    public static func == (lhs: TopicPattern, rhs: TopicPattern) -> Bool { lhs.description == rhs.description }
    public func hash(into hasher: inout Hasher) { hasher.combine(description) }
}

extension Character {
    var isTopicCharacter: Bool {
        isASCII && (isLetter || isNumber || self == "-" || self == "_")
    }
}

public enum EventError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalidTopic(String, String)
    case payloadTooLarge(Int, limit: Int)

    public var description: String {
        switch self {
        case let .invalidTopic(topic, rule): "invalid topic '\(topic)': \(rule)"
        case let .payloadTooLarge(size, limit): "an event's payload is at most \(limit) bytes (gossip carries it in one datagram); this one has \(size)"
        }
    }
}
