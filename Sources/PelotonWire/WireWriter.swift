import NIOCore
import PelotonCrypto

/// Writes a message in the layout `WireReader` reads. Values are validated when they are made
/// (the message types' initialisers), so writing itself cannot fail.
public struct WireWriter {
    public private(set) var buffer: ByteBuffer

    public init(capacity: Int = 256) {
        buffer = ByteBufferAllocator().buffer(capacity: capacity)
    }

    public var count: Int { buffer.readableBytes }
    public var bytes: [UInt8] { Array(buffer.readableBytesView) }

    public mutating func writeUInt8(_ value: UInt8) { buffer.writeInteger(value) }
    public mutating func writeUInt16(_ value: UInt16) { buffer.writeInteger(value, endianness: .big) }
    public mutating func writeUInt32(_ value: UInt32) { buffer.writeInteger(value, endianness: .big) }
    public mutating func writeUInt64(_ value: UInt64) { buffer.writeInteger(value, endianness: .big) }
    public mutating func writeBool(_ value: Bool) { writeUInt8(value ? 1 : 0) }

    public mutating func writeVarUInt(_ value: UInt64) {
        var rest = value
        while rest >= 0x80 {
            buffer.writeInteger(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        buffer.writeInteger(UInt8(rest))
    }

    public mutating func writeCount(_ count: Int) { writeVarUInt(UInt64(count)) }

    public mutating func writeFixedBytes(_ bytes: some Collection<UInt8>) { buffer.writeBytes(bytes) }

    public mutating func writeBytes(_ bytes: some Collection<UInt8>) {
        writeCount(bytes.count)
        buffer.writeBytes(bytes)
    }

    public mutating func writeString(_ string: String) {
        writeCount(string.utf8.count)
        buffer.writeString(string)
    }

    public mutating func writeNodeID(_ id: NodeID) {
        writeUInt64(id.high)
        writeUInt64(id.low)
    }

    public mutating func writePublicKey(_ key: PublicKey) { writeFixedBytes(key.bytes) }
    public mutating func writeSignature(_ signature: Signature) { writeFixedBytes(signature.bytes) }

    public mutating func writeArray<Element>(_ elements: [Element], element: (inout WireWriter, Element) -> Void) {
        writeCount(elements.count)
        for item in elements { element(&self, item) }
    }

    /// Varint length of a value, for size budgeting before writing.
    public static func varUIntSize(_ value: UInt64) -> Int {
        max(1, (64 - value.leadingZeroBitCount + 6) / 7)
    }

    /// Encoded size of a length-prefixed string.
    public static func stringSize(_ string: String) -> Int {
        let count = string.utf8.count
        return varUIntSize(UInt64(count)) + count
    }
}

/// A value with a wire form. Decoding is strict: `init(wireBytes:)` refuses trailing bytes.
public protocol WireCodable {
    func encode(to writer: inout WireWriter)
    init(from reader: inout WireReader) throws(WireError)
}

extension WireCodable {
    public var wireBytes: [UInt8] {
        var writer = WireWriter()
        encode(to: &writer)
        return writer.bytes
    }

    public init(wireBytes: some Sequence<UInt8>) throws(WireError) {
        var reader = WireReader(bytes: wireBytes)
        try self.init(from: &reader)
        try reader.expectEnd()
    }
}
