import Hummingbird

/// Percent-decoding with one spelling per name: a key, topic, service or method name reaches
/// the node only as valid UTF-8, written in ASCII with `%XX` escapes (RFC 3986). Lenient
/// decoding turned `%FF`, `%FE` and `%EF%BF%BD` all into U+FFFD, so three different keys
/// reached one counter; here each of them, a stray `%`, and a raw byte past ASCII is a 400.
enum StrictURI {
    /// `text` decoded, or a 400 naming `what`.
    static func decode(_ text: some StringProtocol, what: String) throws -> String {
        // The common case, plain ASCII with no escape, costs one scan and no copy of the bytes.
        if !text.utf8.contains(where: { $0 == UInt8(ascii: "%") || $0 >= 0x80 }) { return String(text) }
        let bytes = Array(text.utf8)
        var decoded: [UInt8] = []
        decoded.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte >= 0x80 {
                throw APIError(.badRequest, .badRequest, "\(what) has a raw byte past ASCII: percent-encode its UTF-8 (é is %C3%A9)")
            }
            guard byte == UInt8(ascii: "%") else {
                decoded.append(byte)
                index += 1
                continue
            }
            guard index + 2 < bytes.count, let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2]) else {
                throw APIError(.badRequest, .badRequest, "\(what) has a '%' that is not followed by two hex digits")
            }
            decoded.append(high << 4 | low)
            index += 3
        }
        guard let string = String(validating: decoded, as: UTF8.self) else {
            throw APIError(.badRequest, .badRequest, "\(what) is not valid UTF-8 once percent-decoded")
        }
        return string
    }

    /// The request's query, each name and value decoded strictly; a name given twice keeps its
    /// first value.
    static func query(of request: Request) throws -> [String: String] {
        guard let query = request.uri.query, !query.isEmpty else { return [:] }
        var parameters: [String: String] = [:]
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = try decode(parts[0], what: "a query parameter's name")
            let value = parts.count > 1 ? try decode(parts[1], what: "query parameter '\(name)'") : ""
            if parameters[name] == nil { parameters[name] = value }
        }
        return parameters
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
