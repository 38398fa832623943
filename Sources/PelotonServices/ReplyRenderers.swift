import Foundation
import Mustache

/// The media types every reply can be rendered as, besides those a method adds.
public enum MediaType {
    public static let json = "application/json"
    public static let text = "text/plain"
    public static let html = "text/html"

    /// A path suffix (`.json`, `.txt`, `.html`) as a media type.
    public static func forSuffix(_ suffix: String) -> String? {
        switch suffix {
        case "json": json
        case "txt", "text": text
        case "html": html
        default: nil
        }
    }

    /// An `Accept` header as media types, most wanted first (by q-value, then by order);
    /// types the caller refuses (q=0) are left out.
    public static func accepted(by header: String?) -> [String] {
        guard let header, !header.isEmpty else { return [] }
        var weighted: [(type: String, quality: Double, order: Int)] = []
        for (order, part) in header.split(separator: ",").prefix(CallRequest.maxFormats * 2).enumerated() {
            let pieces = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let type = pieces.first?.lowercased(), !type.isEmpty, type.utf8.count <= CallRequest.maxNameBytes else { continue }
            var quality = 1.0
            for parameter in pieces.dropFirst() where parameter.hasPrefix("q=") {
                quality = Double(parameter.dropFirst(2)) ?? 1
            }
            if quality > 0 { weighted.append((type, quality, order)) }
        }
        return weighted.sorted { ($0.quality, -$0.order) > ($1.quality, -$1.order) }.prefix(CallRequest.maxFormats).map(\.type)
    }
}

/// Renders one method's replies in the first acceptable media type.
struct ReplyRenderers<Reply: Encodable & Sendable>: Sendable {
    let html: MustacheTemplate?
    let text: (@Sendable (Reply) -> String)?
    let custom: [String: @Sendable (Reply) -> String]

    func render(_ reply: Reply, acceptable formats: [String]) -> Result<RenderedReply, CallFailure> {
        let json: [UInt8]
        do {
            json = Array(try replyEncoder.encode(reply))
        } catch {
            return .failure(CallFailure(.handler, "the reply could not be encoded as JSON: \(error)"))
        }
        for format in formats.isEmpty ? [MediaType.json] : formats {
            if let renderer = custom[format] { return .success(utf8(renderer(reply), as: format)) }
            switch format {
            case MediaType.json, "application/*", "*/*":
                return .success(RenderedReply(contentType: jsonContentType, body: json))
            case MediaType.text, "text/*":
                return .success(utf8(text?(reply) ?? GenericRendering.text(json: json), as: MediaType.text))
            case MediaType.html:
                let body = html.map { $0.render(GenericRendering.mustacheContext(json: json)) } ?? GenericRendering.html(json: json)
                return .success(utf8(body, as: MediaType.html))
            default:
                continue
            }
        }
        let offered = [MediaType.json, MediaType.text, MediaType.html] + custom.keys.sorted()
        return .failure(CallFailure(.notAcceptable, "cannot render as \(formats.joined(separator: ", ")); this method offers \(offered.joined(separator: ", "))"))
    }

    private func utf8(_ string: String, as type: String) -> RenderedReply {
        RenderedReply(contentType: "\(type); charset=utf-8", body: Array(string.utf8))
    }
}

private let jsonContentType = "\(MediaType.json); charset=utf-8"

/// One decoder and one encoder for every call: Foundation's are safe to share between
/// threads, and making one per call was a measurable part of a quick handler's cost.
let requestDecoder = JSONDecoder()

private let replyEncoder: JSONEncoder = {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return encoder
}()

/// Text and HTML for replies whose method did not say how to render them.
enum GenericRendering {
    static func value(json: [UInt8]) -> JSONValue? {
        try? JSONDecoder().decode(JSONValue.self, from: Data(json))
    }

    /// A reply object as the context of a Mustache template: its fields by name.
    static func mustacheContext(json: [UInt8]) -> Any {
        value(json: json)?.plain ?? [String: Any]()
    }

    /// Objects as `field: value` lines, arrays as one line per element, scalars as themselves.
    static func text(json: [UInt8]) -> String {
        switch value(json: json) {
        case let .object(fields)?:
            return fields.keys.sorted().map { "\($0): \(fields[$0]?.text ?? "")" }.joined(separator: "\n") + "\n"
        case let .array(elements)?:
            return elements.map(\.text).joined(separator: "\n") + "\n"
        case let scalar?:
            return scalar.text + "\n"
        case nil:
            return String(decoding: json, as: UTF8.self)
        }
    }

    /// Objects as a two-column table, anything else as escaped text.
    static func html(json: [UInt8]) -> String {
        guard case let .object(fields)? = value(json: json) else {
            return "<pre>\(escape(text(json: json)))</pre>\n"
        }
        let rows = fields.keys.sorted().map { "<tr><th>\(escape($0))</th><td>\(escape(fields[$0]?.text ?? ""))</td></tr>" }
        return "<table>\n\(rows.joined(separator: "\n"))\n</table>\n"
    }

    static func escape(_ text: String) -> String { HTMLEscaping.escape(text) }
}

/// A decoded JSON value that keeps booleans and numbers apart (Foundation's
/// `JSONSerialization` hands both back as `NSNumber`).
enum JSONValue: Decodable {
    case null, bool(Bool), integer(Int64), number(Double), string(String)
    case array([JSONValue]), object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        if var elements = try? decoder.unkeyedContainer() {
            var array: [JSONValue] = []
            while !elements.isAtEnd { array.append(try elements.decode(JSONValue.self)) }
            self = .array(array)
        } else if let fields = try? decoder.container(keyedBy: AnyKey.self) {
            var object: [String: JSONValue] = [:]
            for key in fields.allKeys { object[key.stringValue] = try fields.decode(JSONValue.self, forKey: key) }
            self = .object(object)
        } else {
            let scalar = try decoder.singleValueContainer()
            if scalar.decodeNil() { self = .null }
            else if let bool = try? scalar.decode(Bool.self) { self = .bool(bool) }
            else if let integer = try? scalar.decode(Int64.self) { self = .integer(integer) }
            else if let number = try? scalar.decode(Double.self) { self = .number(number) }
            else { self = .string(try scalar.decode(String.self)) }
        }
    }

    /// One line: scalars as themselves, containers as compact JSON.
    var text: String {
        switch self {
        case .null: "null"
        case let .bool(value): value ? "true" : "false"
        case let .integer(value): String(value)
        case let .number(value): String(value)
        case let .string(value): value
        case let .array(elements): "[" + elements.map(\.json).joined(separator: ",") + "]"
        case let .object(fields): "{" + fields.keys.sorted().map { "\(JSONValue.string($0).json):\(fields[$0]?.json ?? "null")" }.joined(separator: ",") + "}"
        }
    }

    private var json: String {
        guard case let .string(value) = self else { return text }
        let encoded = (try? JSONEncoder().encode(value)).map { String(decoding: $0, as: UTF8.self) }
        return encoded ?? "\"\""
    }

    /// Plain Swift values, as Mustache walks them.
    var plain: Any {
        switch self {
        case .null: Optional<String>.none as Any
        case let .bool(value): value
        case let .integer(value): value
        case let .number(value): value
        case let .string(value): value
        case let .array(elements): elements.map(\.plain)
        case let .object(fields): fields.mapValues(\.plain)
        }
    }

    private struct AnyKey: CodingKey {
        let stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}
