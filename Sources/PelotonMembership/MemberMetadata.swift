import PelotonWire

/// What a member tells the mesh about itself: its HTTP address, the services it offers with
/// their versions, free-form tags, and its credential (the certificate the cluster authority
/// issued for its key, opaque here: the runtime verifies it before any of it is believed).
/// Bounded so an alive update always fits in a datagram.
///
/// The fields live in one shared immutable box: every node's member table holds a copy of every
/// member's metadata, so a copy must cost a reference, not three collections (in the simulator
/// all 10,000 nodes share one box per member).
public struct MemberMetadata: Hashable, Sendable {
    public struct Service: Hashable, Sendable {
        public static let maxReplicas = 16

        public let name: String
        public let version: String
        /// How many owners each of its keys has: the length of the preference list a router
        /// walks, which a node that does not offer the service learns from here.
        public let replicas: Int
        /// Whether its handlers may run twice for one call: a router then reissues a call
        /// whose owner took it but did not answer. Travels as the top bit of the replicas byte.
        public let idempotent: Bool

        public init(name: String, version: String, replicas: Int = 1, idempotent: Bool = false) {
            self.name = name
            self.version = version
            self.replicas = replicas
            self.idempotent = idempotent
        }

        static let idempotentFlag: UInt8 = 0x80
    }

    public static let maxEncodedBytes = 768
    public static let maxCredentialBytes = 256
    static let maxServices = 32
    static let maxTags = 16
    static let maxNameBytes = 64
    static let maxValueBytes = 128

    private final class Storage: Sendable {
        let httpAddress: String?
        let services: [Service]
        let tags: [String: String]
        let credential: [UInt8]

        init(httpAddress: String?, services: [Service], tags: [String: String], credential: [UInt8]) {
            self.httpAddress = httpAddress
            self.services = services
            self.tags = tags
            self.credential = credential
        }
    }

    private let storage: Storage
    public var httpAddress: String? { storage.httpAddress }
    public var services: [Service] { storage.services }
    public var tags: [String: String] { storage.tags }
    public var credential: [UInt8] { storage.credential }

    public static let empty = MemberMetadata(validated: nil, services: [], tags: [:], credential: [])

    /// The tag a member sets when it drains before leaving: placement stops choosing it while
    /// it finishes what it has. A tag rather than a field, so nodes of the previous release,
    /// which decode the metadata strictly, still read a draining member's updates.
    public static let drainingTag = "peloton.draining"

    public var isDraining: Bool { tags[Self.drainingTag] != nil }

    /// The same metadata, marked as draining.
    public func markedDraining() throws(WireError) -> MemberMetadata {
        var tags = tags
        tags[Self.drainingTag] = "1"
        return try MemberMetadata(httpAddress: httpAddress, services: services, tags: tags, credential: credential)
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.storage === rhs.storage
            || (lhs.httpAddress == rhs.httpAddress && lhs.services == rhs.services && lhs.tags == rhs.tags
                && lhs.credential == rhs.credential)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(httpAddress)
        hasher.combine(services)
        hasher.combine(tags)
        hasher.combine(credential)
    }

    /// Refuses metadata that would not fit the limits, naming the limit.
    public init(
        httpAddress: String? = nil, services: [Service] = [], tags: [String: String] = [:], credential: [UInt8] = []
    ) throws(WireError) {
        self.init(validated: httpAddress, services: services, tags: tags, credential: credential)
        try validate()
        let size = wireBytes.count
        guard size <= Self.maxEncodedBytes else { throw .tooLarge(size: size, limit: Self.maxEncodedBytes) }
    }

    private init(validated httpAddress: String?, services: [Service], tags: [String: String], credential: [UInt8]) {
        storage = Storage(httpAddress: httpAddress, services: services, tags: tags, credential: credential)
    }

    private func validate() throws(WireError) {
        if let httpAddress, httpAddress.isEmpty || httpAddress.utf8.count > Self.maxValueBytes {
            throw .invalidValue(field: "metadata.httpAddress", reason: "must be 1 to \(Self.maxValueBytes) bytes")
        }
        guard services.count <= Self.maxServices else {
            throw .lengthExceedsLimit(field: "metadata.services", length: UInt64(services.count), limit: Self.maxServices)
        }
        guard tags.count <= Self.maxTags else {
            throw .lengthExceedsLimit(field: "metadata.tags", length: UInt64(tags.count), limit: Self.maxTags)
        }
        for service in services where service.name.isEmpty || service.name.utf8.count > Self.maxNameBytes || service.version.utf8.count > Self.maxNameBytes {
            throw .invalidValue(field: "metadata.services", reason: "service \"\(service.name)\" needs a name and version of at most \(Self.maxNameBytes) bytes")
        }
        for service in services where !(1...Service.maxReplicas).contains(service.replicas) {
            throw .invalidValue(field: "metadata.services", reason: "service \"\(service.name)\" needs 1 to \(Service.maxReplicas) replicas")
        }
        for (key, value) in tags where key.isEmpty || key.utf8.count > Self.maxNameBytes || value.utf8.count > Self.maxValueBytes {
            throw .invalidValue(field: "metadata.tags", reason: "tag \"\(key)\" is too long or empty")
        }
    }
}

extension MemberMetadata: WireCodable {
    public init(from reader: inout WireReader) throws(WireError) {
        let http = try reader.readString("metadata.httpAddress", limit: Self.maxValueBytes)
        let services = try reader.readArray("metadata.services", limit: Self.maxServices) { reader throws(WireError) in
            let name = try reader.readString("metadata.service.name", limit: Self.maxNameBytes)
            let version = try reader.readString("metadata.service.version", limit: Self.maxNameBytes)
            let replicasByte = try reader.readUInt8("metadata.service.replicas")
            return Service(
                name: name, version: version, replicas: Int(replicasByte & ~Service.idempotentFlag),
                idempotent: replicasByte & Service.idempotentFlag != 0)
        }
        let pairs = try reader.readArray("metadata.tags", limit: Self.maxTags) { reader throws(WireError) in
            (try reader.readString("metadata.tag.key", limit: Self.maxNameBytes),
             try reader.readString("metadata.tag.value", limit: Self.maxValueBytes))
        }
        // Keys must be strictly ascending: one encoding per value, and no duplicate keys.
        for index in pairs.indices.dropFirst() where pairs[index - 1].0.utf8.lexicographicallyPrecedes(pairs[index].0.utf8) == false {
            throw .invalidValue(field: "metadata.tags", reason: "keys must be unique and sorted")
        }
        let credential = try reader.readBytes("metadata.credential", limit: Self.maxCredentialBytes)
        if http.isEmpty && services.isEmpty && pairs.isEmpty && credential.isEmpty {
            self = .empty
            return
        }
        self.init(
            validated: http.isEmpty ? nil : http, services: services, tags: Dictionary(uniqueKeysWithValues: pairs),
            credential: credential)
        try validate()
    }

    public func encode(to writer: inout WireWriter) {
        writer.writeString(httpAddress ?? "")
        writer.writeArray(services) { writer, service in
            writer.writeString(service.name)
            writer.writeString(service.version)
            writer.writeUInt8(UInt8(clamping: service.replicas) | (service.idempotent ? Service.idempotentFlag : 0))
        }
        let sortedTags = tags.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
        writer.writeArray(sortedTags) { writer, pair in
            writer.writeString(pair.key)
            writer.writeString(pair.value)
        }
        writer.writeBytes(credential)
    }
}
