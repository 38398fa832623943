import PelotonCrypto

/// A service's owners changed in one node's view: it got its first owners (`placed`), its
/// owners changed (`moved`), or no member offers it any more (`unplaced`).
public struct PlacementChange: Equatable, Sendable {
    public enum Kind: String, Sendable {
        case placed, moved, unplaced
    }

    public let service: String
    public let kind: Kind
    /// Owners in preference order, now and before.
    public let owners: [NodeID]
    public let previous: [NodeID]

    public init(service: String, kind: Kind, owners: [NodeID], previous: [NodeID]) {
        self.service = service
        self.kind = kind
        self.owners = owners
        self.previous = previous
    }
}

/// Remembers each service's owners as last seen and says what changed since: the runtime turns
/// the changes into `mesh.service.*` events. Pure, so one view always yields the same changes.
public struct PlacementWatch: Sendable {
    public private(set) var owners: [String: [NodeID]] = [:]

    public init() {}

    /// Takes the current owners of every service and returns the changes, by service name.
    /// A service with no owners counts as absent.
    public mutating func update(_ current: [String: [NodeID]]) -> [PlacementChange] {
        let placed = current.filter { !$0.value.isEmpty }
        var changes: [PlacementChange] = []
        for service in Set(owners.keys).union(placed.keys).sorted() {
            let before = owners[service] ?? []
            let now = placed[service] ?? []
            guard before != now else { continue }
            let kind: PlacementChange.Kind = before.isEmpty ? .placed : now.isEmpty ? .unplaced : .moved
            changes.append(PlacementChange(service: service, kind: kind, owners: now, previous: before))
        }
        owners = placed
        return changes
    }
}
