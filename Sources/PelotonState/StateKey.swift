import PelotonCrypto
import PelotonPlacement

/// A state key: a name and the kind of CRDT under it. The kind is part of the key (the API's
/// `/v1/state/{type}/{key}`), so "hits" the counter and "hits" the set are two keys and no
/// write can meet a value of another kind.
public struct StateKey: Hashable, Comparable, Sendable, CustomStringConvertible {
    public static let maxNameBytes = 256
    /// The placement ring's name for state: every member holds state, so every member is on it.
    public static let placementService = "peloton.state"

    public let kind: StateKind
    public let name: String

    public init(kind: StateKind, name: String) throws(StateError) {
        guard !name.isEmpty, name.utf8.count <= Self.maxNameBytes else {
            throw .invalidKey("a key name is 1 to \(Self.maxNameBytes) bytes")
        }
        // A name is one segment of `/v1/state/{type}/{key}`.
        guard !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control || $0 == "/" }) else {
            throw .invalidKey("a key name may not contain '/' or control characters")
        }
        self.kind = kind
        self.name = name
    }

    public var placementKey: PlacementKey { PlacementKey(service: Self.placementService, key: description) }

    public var description: String { "\(kind.name)/\(name)" }

    public static func < (lhs: StateKey, rhs: StateKey) -> Bool { (lhs.kind.rawValue, lhs.name) < (rhs.kind.rawValue, rhs.name) }
}

/// How many owners a read or write waits for.
public enum ConsistencyLevel: String, CaseIterable, Sendable, Codable {
    case one, quorum, all

    /// Answers needed from `owners` owners; a quorum is a strict majority, so any read quorum
    /// meets any write quorum.
    public func required(owners: Int) -> Int {
        switch self {
        case .one: min(1, owners)
        case .quorum: owners / 2 + 1
        case .all: owners
        }
    }
}

/// Counts the answers of a read or write against what its level needs, and decides as soon as
/// the outcome is certain: success once enough owners answered, failure once too many cannot.
public struct ReplicaTally: Sendable {
    public enum Outcome: Equatable, Sendable { case pending, succeeded, failed }

    public let owners: [NodeID]
    public let required: Int
    public private(set) var answered: Set<NodeID> = []
    public private(set) var failed: [NodeID: String] = [:]

    public init(owners: [NodeID], level: ConsistencyLevel) {
        self.owners = owners
        required = level.required(owners: owners.count)
    }

    public mutating func answer(from owner: NodeID) {
        guard owners.contains(owner), failed[owner] == nil else { return }
        answered.insert(owner)
    }

    public mutating func fail(_ owner: NodeID, because reason: String) {
        guard owners.contains(owner), !answered.contains(owner) else { return }
        failed[owner] = reason
    }

    public var outcome: Outcome {
        if owners.isEmpty { return .failed }
        if answered.count >= required { return .succeeded }
        if owners.count - failed.count < required { return .failed }
        return .pending
    }

    /// Why the tally failed, for the client.
    public var failureReason: String {
        if owners.isEmpty { return "no owners" }
        let causes = failed.sorted { $0.key < $1.key }.map { "\($0.key.short): \($0.value)" }.joined(separator: "; ")
        return "\(answered.count) of \(owners.count) owners answered, \(required) needed" + (causes.isEmpty ? "" : " (\(causes))")
    }
}
