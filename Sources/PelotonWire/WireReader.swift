import NIOCore
import PelotonCrypto

/// Reads a message field by field from bytes that must be assumed hostile: every read is
/// bounds-checked, every length and count has a limit, and every failure names its field.
public struct WireReader {
    private var buffer: ByteBuffer

    public init(_ buffer: ByteBuffer) {
        self.buffer = buffer
    }

    public init(bytes: some Sequence<UInt8>) {
        self.init(ByteBuffer(bytes: bytes))
    }

    public var remaining: Int { buffer.readableBytes }

    public mutating func readUInt8(_ field: String) throws(WireError) -> UInt8 {
        try readFixedWidth(field)
    }

    /// Reads `message`'s version byte (field `<message>.version`) and refuses any version but
    /// `expected`, as `unsupportedVersion(field: message, …)`.
    public mutating func readVersion(of message: String, expected: UInt8) throws(WireError) {
        let version = try readUInt8("\(message).version")
        guard version == expected else { throw .unsupportedVersion(field: message, version: version) }
    }

    public mutating func readUInt16(_ field: String) throws(WireError) -> UInt16 {
        try readFixedWidth(field)
    }

    public mutating func readUInt32(_ field: String) throws(WireError) -> UInt32 {
        try readFixedWidth(field)
    }

    public mutating func readUInt64(_ field: String) throws(WireError) -> UInt64 {
        try readFixedWidth(field)
    }

    private mutating func readFixedWidth<T: FixedWidthInteger>(_ field: String) throws(WireError) -> T {
        guard let value = buffer.readInteger(endianness: .big, as: T.self) else {
            throw .truncated(field: field, needed: MemoryLayout<T>.size, available: buffer.readableBytes)
        }
        return value
    }

    public mutating func readBool(_ field: String) throws(WireError) -> Bool {
        switch try readUInt8(field) {
        case 0: return false
        case 1: return true
        case let other: throw .invalidValue(field: field, reason: "boolean byte \(other)")
        }
    }

    /// An unsigned LEB128 integer of at most 10 bytes that fits in 64 bits, in its shortest form
    /// (so every value has exactly one encoding and signed bytes cannot be re-encoded).
    public mutating func readVarUInt(_ field: String) throws(WireError) -> UInt64 {
        var value: UInt64 = 0
        for index in 0..<10 {
            guard let byte = buffer.readInteger(as: UInt8.self) else {
                throw .truncated(field: field, needed: 1, available: 0)
            }
            let payload = UInt64(byte & 0x7f)
            if index == 9 && byte > 1 { throw .malformedVarint(field: field) }
            value |= payload << (7 * UInt64(index))
            if byte & 0x80 == 0 {
                if index > 0 && byte == 0 { throw .malformedVarint(field: field) }
                return value
            }
        }
        throw .malformedVarint(field: field)
    }

    /// A count or length, refused before anything is allocated when it exceeds `limit`.
    public mutating func readCount(_ field: String, limit: Int) throws(WireError) -> Int {
        let count = try readVarUInt(field)
        guard count <= UInt64(limit) else { throw .lengthExceedsLimit(field: field, length: count, limit: limit) }
        return Int(count)
    }

    public mutating func readFixedBytes(_ field: String, count: Int) throws(WireError) -> [UInt8] {
        guard let bytes = buffer.readBytes(length: count) else {
            throw .truncated(field: field, needed: count, available: buffer.readableBytes)
        }
        return bytes
    }

    /// Length-prefixed bytes of at most `limit` bytes.
    public mutating func readBytes(_ field: String, limit: Int) throws(WireError) -> [UInt8] {
        let length = try readCount(field, limit: limit)
        return try readFixedBytes(field, count: length)
    }

    /// Length-prefixed UTF-8 of at most `limit` bytes; invalid UTF-8 is refused, not repaired.
    public mutating func readString(_ field: String, limit: Int) throws(WireError) -> String {
        let bytes = try readBytes(field, limit: limit)
        guard let string = String(validating: bytes, as: UTF8.self) else { throw .invalidUTF8(field: field) }
        return string
    }

    public mutating func readNodeID(_ field: String) throws(WireError) -> NodeID {
        let high = try readUInt64(field)
        let low = try readUInt64(field)
        return NodeID(high: high, low: low)
    }

    public mutating func readPublicKey(_ field: String) throws(WireError) -> PublicKey {
        let bytes = try readFixedBytes(field, count: PublicKey.byteCount)
        // The length is right by construction, so this cannot fail.
        guard let key = try? PublicKey(bytes: bytes) else { throw .invalidValue(field: field, reason: "public key") }
        return key
    }

    public mutating func readSignature(_ field: String) throws(WireError) -> Signature {
        let bytes = try readFixedBytes(field, count: Signature.byteCount)
        guard let signature = try? Signature(bytes: bytes) else { throw .invalidValue(field: field, reason: "signature") }
        return signature
    }

    /// A list of at most `limit` elements.
    public mutating func readArray<Element>(
        _ field: String, limit: Int, element: (inout WireReader) throws(WireError) -> Element
    ) throws(WireError) -> [Element] {
        let count = try readCount(field, limit: limit)
        // Each element takes at least one byte, so a huge count cannot make us reserve much.
        guard count <= remaining else { throw .truncated(field: field, needed: count, available: remaining) }
        var elements: [Element] = []
        elements.reserveCapacity(count)
        for _ in 0..<count { elements.append(try element(&self)) }
        return elements
    }

    public func expectEnd() throws(WireError) {
        guard buffer.readableBytes == 0 else { throw .trailingBytes(count: buffer.readableBytes) }
    }
}
