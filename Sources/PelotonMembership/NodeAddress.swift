import PelotonWire

/// Where a node listens for gossip: a host name or literal address and a port.
public struct NodeAddress: Hashable, Sendable, CustomStringConvertible {
    public static let maxHostBytes = 255
    public let host: String
    public let port: UInt16

    public init(host: String, port: UInt16) throws(WireError) {
        guard (1...Self.maxHostBytes).contains(host.utf8.count) else {
            throw .invalidValue(field: "address.host", reason: "must be 1 to \(Self.maxHostBytes) bytes")
        }
        self.host = host
        self.port = port
    }

    /// Parses `HOST:PORT` (`[v6]:PORT` for IPv6 literals).
    public init(parsing text: String) throws(WireError) {
        guard let colon = text.lastIndex(of: ":"), let port = UInt16(text[text.index(after: colon)...]) else {
            throw .invalidValue(field: "address", reason: "expected HOST:PORT, got \"\(text)\"")
        }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        try self.init(host: host, port: port)
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

extension NodeAddress: WireCodable {
    public init(from reader: inout WireReader) throws(WireError) {
        let host = try reader.readString("address.host", limit: Self.maxHostBytes)
        let port = try reader.readUInt16("address.port")
        try self.init(host: host, port: port)
    }

    public func encode(to writer: inout WireWriter) {
        writer.writeString(host)
        writer.writeUInt16(port)
    }
}
