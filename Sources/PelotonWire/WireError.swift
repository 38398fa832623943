/// Why a byte sequence was refused. Every decoder throws one of these instead of trapping.
public enum WireError: Error, Equatable, Sendable, CustomStringConvertible {
    case truncated(field: String, needed: Int, available: Int)
    case lengthExceedsLimit(field: String, length: UInt64, limit: Int)
    case malformedVarint(field: String)
    case unsupportedVersion(field: String, version: UInt8)
    case unknownTag(field: String, tag: UInt8)
    case invalidValue(field: String, reason: String)
    case invalidUTF8(field: String)
    case trailingBytes(count: Int)
    case tooLarge(size: Int, limit: Int)

    public var description: String {
        switch self {
        case let .truncated(field, needed, available):
            "truncated input at \(field): needed \(needed) bytes, \(available) left"
        case let .lengthExceedsLimit(field, length, limit):
            "\(field) declares \(length) items or bytes, above its limit of \(limit)"
        case let .malformedVarint(field):
            "\(field) is not a valid variable-length integer"
        case let .unsupportedVersion(field, version):
            "\(field) has unsupported version \(version)"
        case let .unknownTag(field, tag):
            "\(field) has unknown tag \(tag)"
        case let .invalidValue(field, reason):
            "\(field) is invalid: \(reason)"
        case let .invalidUTF8(field):
            "\(field) is not valid UTF-8"
        case let .trailingBytes(count):
            "\(count) unexpected bytes after the end of the message"
        case let .tooLarge(size, limit):
            "message of \(size) bytes exceeds the limit of \(limit)"
        }
    }
}
