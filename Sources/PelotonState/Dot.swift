import PelotonCrypto

/// One event: the `counter`-th write made by `replica`. Every write a replica makes gets the
/// next counter, so a dot names exactly one write in the whole mesh.
public struct Dot: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let replica: NodeID
    public let counter: UInt64

    public init(replica: NodeID, counter: UInt64) {
        self.replica = replica
        self.counter = counter
    }

    public static func < (lhs: Dot, rhs: Dot) -> Bool {
        (lhs.replica, lhs.counter) < (rhs.replica, rhs.counter)
    }

    public var description: String { "\(replica.short):\(counter)" }
}

/// The set of dots a replica has seen, kept compact: a version vector (every dot up to
/// `versions[replica]`) plus the few dots seen out of order. Removals need no tombstones: a
/// dot the context has seen but the store no longer holds was removed.
public struct CausalContext: Equatable, Sendable {
    public private(set) var versions: [NodeID: UInt64]
    public private(set) var cloud: Set<Dot>

    public init() {
        versions = [:]
        cloud = []
    }

    public init(dots: some Sequence<Dot>) {
        self.init()
        for dot in dots { cloud.insert(dot) }
        compact()
    }

    init(versions: [NodeID: UInt64], cloud: Set<Dot>) {
        self.versions = versions.filter { $0.value > 0 }
        self.cloud = cloud
        compact()
    }

    public var isEmpty: Bool { versions.isEmpty && cloud.isEmpty }

    /// Whether any dot of `replica` is in this context.
    public func mentions(_ replica: NodeID) -> Bool {
        versions[replica] != nil || cloud.contains { $0.replica == replica }
    }

    /// Forgets every dot of `replica`: only for a replica that was pruned (see `PruningState`).
    mutating func remove(_ replica: NodeID) {
        versions[replica] = nil
        cloud = cloud.filter { $0.replica != replica }
    }

    public func contains(_ dot: Dot) -> Bool {
        dot.counter <= versions[dot.replica, default: 0] || cloud.contains(dot)
    }

    /// The next dot `replica` may use: past every dot of its own this context has seen, so a
    /// replica never reuses a dot even if it had only seen some of its writes out of order.
    public func nextDot(for replica: NodeID) -> Dot {
        let highestInCloud = cloud.lazy.filter { $0.replica == replica }.map(\.counter).max() ?? 0
        return Dot(replica: replica, counter: max(versions[replica, default: 0], highestInCloud) + 1)
    }

    /// Every dot, when there are at most `limit`; nil otherwise.
    public func enumerated(limit: Int) -> [Dot]? {
        guard versions.values.reduce(UInt64(cloud.count), { $0.addingClamped($1) }) <= UInt64(limit) else { return nil }
        return versions.flatMap { replica, version in (1...max(1, version)).map { Dot(replica: replica, counter: $0) } } + cloud
    }

    public mutating func insert(_ dot: Dot) {
        guard !contains(dot) else { return }
        cloud.insert(dot)
        compact()
    }

    public mutating func formUnion(_ other: CausalContext) {
        for (replica, version) in other.versions where version > versions[replica, default: 0] {
            versions[replica] = version
        }
        cloud.formUnion(other.cloud)
        compact()
    }

    public func union(_ other: CausalContext) -> CausalContext {
        var merged = self
        merged.formUnion(other)
        return merged
    }

    /// Folds cloud dots that continue a replica's version into the vector and drops the ones
    /// it already covers, so equal sets of dots always have one representation.
    private mutating func compact() {
        guard !cloud.isEmpty else { return }
        for dot in cloud.sorted() {
            let version = versions[dot.replica, default: 0]
            if dot.counter == version + 1 {
                versions[dot.replica] = dot.counter
                cloud.remove(dot)
            } else if dot.counter <= version {
                cloud.remove(dot)
            }
        }
    }
}
