import PelotonCrypto

/// Where pruning one removed replica out of one key stands. This is Akka Distributed Data's
/// pruning, run per key by the key's primary owner instead of a cluster leader.
///
/// A removed node (its key revoked by the authority, so it can never write again) leaves
/// entries behind: a count in every counter it ran increments for, a version in every causal
/// context. They cannot simply be dropped: its count is part of the value, and forgetting its
/// version would let a stale copy bring back what was removed. So the primary owner first
/// marks the key (`initialized`); every owner that merges the marker adds itself to `seen`,
/// which says its copy, with all it knew of the removed node, travels with the marker. Once
/// every owner has been seen, the primary folds the removed node's entries into its own
/// (`performed`), and from then on every copy drops that node's entries from what it merges,
/// so a stale copy cannot count them twice. Dots of the removed node still live at the fold
/// are written again as the primary's, and the marker says which became which: a copy that
/// had seen (or removed) the old dot sees (or removes) the new one, so a remove made elsewhere
/// while the fold spreads is not undone. The marker expires after a long lifetime.
public enum PruningState: Equatable, Sendable {
    /// `owner` folds the replica once every owner of the key is in `seen`. A marker whose owner
    /// was itself removed is taken over in a higher `round`, which wins every merge.
    case initialized(owner: NodeID, round: UInt64, seen: Set<NodeID>)
    /// Folded; the replica's entries are dropped from every merge until then (wall clock),
    /// its dots that were live at the fold renamed to the primary's new ones.
    case performed(untilMilliseconds: UInt64, renamed: [Dot: Dot])

    public func merged(with other: PruningState) -> PruningState {
        switch (self, other) {
        case let (.performed(a, renamedA), .performed(b, renamedB)):
            // One fold per replica and key makes both the same; should two ever differ, every
            // replica keeps the same one.
            a != b ? (a > b ? self : other) : .performed(untilMilliseconds: a, renamed: renamedA.merging(renamedB, uniquingKeysWith: min))
        case (.performed, _): self
        case (_, .performed): other
        case let (.initialized(owner, round, seen), .initialized(otherOwner, otherRound, otherSeen)):
            if round == otherRound, owner == otherOwner {
                .initialized(owner: owner, round: round, seen: seen.union(otherSeen))
            } else if (round, otherOwner) > (otherRound, owner) {
                // The higher round wins; in one round, the lower owner id, on every replica alike.
                self
            } else {
                other
            }
        }
    }

    public var isPerformed: Bool {
        if case .performed = self { true } else { false }
    }
}

/// The pruning markers of one key's value, by removed replica.
public struct PruningMarkers: Equatable, Sendable {
    public private(set) var states: [NodeID: PruningState]

    public init(_ states: [NodeID: PruningState] = [:]) { self.states = states }

    public var isEmpty: Bool { states.isEmpty }

    public subscript(replica: NodeID) -> PruningState? {
        get { states[replica] }
        set { states[replica] = newValue }
    }

    /// Replicas whose entries are folded, with their renamed dots: every copy drops what it
    /// holds or receives of them.
    public var performed: [(replica: NodeID, renamed: [Dot: Dot])] {
        states.compactMap { replica, state in
            guard case let .performed(_, renamed) = state else { return nil }
            return (replica, renamed)
        }
    }

    public func merged(with other: PruningMarkers) -> PruningMarkers {
        guard !other.isEmpty else { return self }
        guard !isEmpty else { return other }
        return PruningMarkers(states.merging(other.states) { $0.merged(with: $1) })
    }
}

/// A CRDT whose entries name the replicas that wrote them, so a removed replica's entries can
/// be folded into another's and then dropped from every copy.
protocol Prunable {
    var pruning: PruningMarkers { get set }
    /// Every replica with an entry here.
    var replicas: Set<NodeID> { get }
    func mentions(_ replica: NodeID) -> Bool
    /// Forgets `replica`'s entries once they are folded elsewhere: its dots in `renamed` go
    /// by their new names (in the store and the context alike), the rest are dropped.
    mutating func dropEntries(of replica: NodeID, renamed: [Dot: Dot])
    /// Moves `replica`'s entries to `owner`, keeping the value: what the primary owner does.
    /// Returns the new name of each of its dots still live.
    mutating func fold(_ replica: NodeID, into owner: NodeID) -> [Dot: Dot]
}

extension Prunable {
    /// Merges markers before a join and drops the entries of every folded replica from both
    /// sides, so the join never sees them; returns the cleaned incoming copy and whether this
    /// one changed.
    mutating func reconcileMarkers(with incoming: Self) -> (incoming: Self, changed: Bool) {
        let markers = pruning.merged(with: incoming.pruning)
        var cleaned = incoming
        var changed = markers != pruning
        for (replica, renamed) in markers.performed {
            if cleaned.mentions(replica) { cleaned.dropEntries(of: replica, renamed: renamed) }
            if mentions(replica) {
                dropEntries(of: replica, renamed: renamed)
                changed = true
            }
        }
        pruning = markers
        cleaned.pruning = markers
        return (cleaned, changed)
    }
}

extension GCounter: Prunable {
    var replicas: Set<NodeID> { Set(counts.keys) }
    func mentions(_ replica: NodeID) -> Bool { counts[replica] != nil }
    mutating func dropEntries(of replica: NodeID, renamed: [Dot: Dot]) { counts[replica] = nil }
    mutating func fold(_ replica: NodeID, into owner: NodeID) -> [Dot: Dot] {
        guard let count = counts.removeValue(forKey: replica) else { return [:] }
        // Only `owner` writes its own entry, so adding to it is as safe as an increment.
        counts[owner] = counts[owner, default: 0].addingClamped(count)
        return [:]
    }
}

extension PNCounter: Prunable {
    var replicas: Set<NodeID> { increments.replicas.union(decrements.replicas) }
    func mentions(_ replica: NodeID) -> Bool { increments.mentions(replica) || decrements.mentions(replica) }
    mutating func dropEntries(of replica: NodeID, renamed: [Dot: Dot]) {
        increments.dropEntries(of: replica, renamed: renamed)
        decrements.dropEntries(of: replica, renamed: renamed)
    }
    mutating func fold(_ replica: NodeID, into owner: NodeID) -> [Dot: Dot] {
        _ = increments.fold(replica, into: owner)
        _ = decrements.fold(replica, into: owner)
        return [:]
    }
}

extension Causal: Prunable {
    /// A store only holds dots its context has seen, so the context names every replica.
    var replicas: Set<NodeID> { Set(context.versions.keys).union(context.cloud.map(\.replica)) }
    func mentions(_ replica: NodeID) -> Bool { context.mentions(replica) }

    mutating func dropEntries(of replica: NodeID, renamed: [Dot: Dot]) {
        store = store.mapDots(of: replica) { renamed[$0] }
        let seen = renamed.filter { context.contains($0.key) }.values
        context.remove(replica)
        for dot in seen { context.insert(dot) }
    }

    /// Each of the replica's dots still in the store is written again under a new dot of
    /// `owner`, as if `owner` had made that write; the context forgets the replica.
    mutating func fold(_ replica: NodeID, into owner: NodeID) -> [Dot: Dot] {
        context.remove(replica)
        var renamed: [Dot: Dot] = [:]
        for dot in store.dots.filter({ $0.replica == replica }).sorted() {
            let fresh = context.nextDot(for: owner)
            context.insert(fresh)
            renamed[dot] = fresh
        }
        store = store.mapDots(of: replica) { renamed[$0] }
        return renamed
    }
}

/// What one node knows when it looks at a key's pruning: who it is, the key's owners in its
/// view (primary first), which replicas are removed for good, and the time.
public struct PruningView: Sendable {
    public let me: NodeID
    public let owners: [NodeID]
    public let removed: Set<NodeID>
    /// Removed replicas whose removal is older than the marker lifetime: every key has long
    /// folded them, so a copy still holding their entries is a stale one come back (a node
    /// that was away for longer), and its entries are dropped outright instead of folded again.
    public let forgotten: Set<NodeID>
    public let nowMilliseconds: UInt64
    /// How long a performed marker keeps dropping the removed replica's entries from merges:
    /// longer than any copy could stay away and come back stale.
    public let markerLifetimeMilliseconds: UInt64

    public init(
        me: NodeID, owners: [NodeID], removed: Set<NodeID>, forgotten: Set<NodeID> = [], nowMilliseconds: UInt64,
        markerLifetimeMilliseconds: UInt64
    ) {
        self.me = me
        // A removed node takes no part: waiting for it to see a marker would wait forever.
        self.owners = owners.filter { !removed.contains($0) }
        self.removed = removed
        self.forgotten = forgotten.intersection(removed)
        self.nowMilliseconds = nowMilliseconds
        self.markerLifetimeMilliseconds = markerLifetimeMilliseconds
    }
}

extension Prunable {
    /// One step of the protocol for this node's copy: expire old markers, say this copy has
    /// seen the others' markers, and as primary owner start pruning removed replicas, take
    /// over markers of removed owners, and fold once every owner has seen. Returns the
    /// replicas folded here; `changed` says whether the copy must be saved and shipped.
    mutating func advancePruning(in view: PruningView) -> (folded: [NodeID], changed: Bool) {
        var markers = pruning
        var dropped = false
        for replica in view.forgotten where mentions(replica) || markers[replica] != nil {
            if mentions(replica) { dropEntries(of: replica, renamed: [:]) }
            markers[replica] = nil
            dropped = true
        }
        for (replica, state) in markers.states {
            switch state {
            case let .performed(until, _) where until <= view.nowMilliseconds:
                markers[replica] = nil
            case let .initialized(owner, round, seen) where !seen.contains(view.me):
                markers[replica] = .initialized(owner: owner, round: round, seen: seen.union([view.me]))
            default:
                break
            }
        }
        var folded: [NodeID] = []
        if view.owners.first == view.me {
            for replica in replicas.intersection(view.removed.subtracting(view.forgotten)) where markers[replica] == nil {
                markers[replica] = .initialized(owner: view.me, round: 0, seen: [view.me])
            }
            for (replica, state) in markers.states {
                guard case let .initialized(owner, round, seen) = state else { continue }
                if owner != view.me {
                    // Only a removed owner is replaced: one that is merely down may come back
                    // with the fold already made, and two folds would count twice.
                    if view.removed.contains(owner) {
                        markers[replica] = .initialized(owner: view.me, round: round + 1, seen: [view.me])
                    }
                } else if seen.isSuperset(of: view.owners) {
                    let renamed = fold(replica, into: view.me)
                    markers[replica] = .performed(
                        untilMilliseconds: view.nowMilliseconds.addingClamped(view.markerLifetimeMilliseconds), renamed: renamed)
                    folded.append(replica)
                }
            }
        }
        guard markers != pruning || !folded.isEmpty || dropped else { return ([], false) }
        pruning = markers
        return (folded.sorted(), true)
    }

    /// Whether this copy needs a pruning step at all: it holds markers or a removed replica's entries.
    func needsPruning(removed: Set<NodeID>) -> Bool {
        !pruning.isEmpty || removed.contains(where: mentions)
    }
}

extension StateValue {
    /// The value's pruning markers; a last-writer-wins register keeps none (it names one
    /// writer, whatever the number of replicas).
    public var pruning: PruningMarkers {
        switch self {
        case let .gcounter(counter): counter.pruning
        case let .counter(counter): counter.pruning
        case .register: PruningMarkers()
        case let .mvregister(register): register.state.pruning
        case let .set(set): set.state.pruning
        case let .flag(flag): flag.state.pruning
        case let .map(map): map.state.pruning
        }
    }

    /// Every replica with an entry in the value.
    public var replicas: Set<NodeID> {
        switch self {
        case let .gcounter(counter): counter.replicas
        case let .counter(counter): counter.replicas
        case .register: []
        case let .mvregister(register): register.state.replicas
        case let .set(set): set.state.replicas
        case let .flag(flag): flag.state.replicas
        case let .map(map): map.state.replicas
        }
    }

    public func needsPruning(removed: Set<NodeID>) -> Bool {
        switch self {
        case let .gcounter(counter): counter.needsPruning(removed: removed)
        case let .counter(counter): counter.needsPruning(removed: removed)
        case .register: false
        case let .mvregister(register): register.state.needsPruning(removed: removed)
        case let .set(set): set.state.needsPruning(removed: removed)
        case let .flag(flag): flag.state.needsPruning(removed: removed)
        case let .map(map): map.state.needsPruning(removed: removed)
        }
    }

    /// One pruning step on this copy (see `Prunable.advancePruning`); the payload is moved out
    /// first so a big set changes in place.
    public mutating func advancePruning(in view: PruningView) -> (folded: [NodeID], changed: Bool) {
        switch self {
        case var .gcounter(counter):
            defer { self = .gcounter(counter) }
            return counter.advancePruning(in: view)
        case var .counter(counter):
            defer { self = .counter(counter) }
            return counter.advancePruning(in: view)
        case .register:
            return ([], false)
        case .mvregister:
            guard var register = take(\.mvregister) else { return ([], false) }
            defer { self = .mvregister(register) }
            return register.state.advancePruning(in: view)
        case .set:
            guard var set = take(\.set) else { return ([], false) }
            defer { self = .set(set) }
            return set.state.advancePruning(in: view)
        case .flag:
            guard var flag = take(\.flag) else { return ([], false) }
            defer { self = .flag(flag) }
            return flag.state.advancePruning(in: view)
        case .map:
            guard var map = take(\.map) else { return ([], false) }
            defer { self = .map(map) }
            return map.state.advancePruning(in: view)
        }
    }

    /// The value with `markers` in place of its own: for the decoder.
    func withPruning(_ markers: PruningMarkers) -> StateValue {
        switch self {
        case var .gcounter(counter):
            counter.pruning = markers
            return .gcounter(counter)
        case var .counter(counter):
            counter.pruning = markers
            return .counter(counter)
        case .register:
            return self
        case var .mvregister(register):
            register.state.pruning = markers
            return .mvregister(register)
        case var .set(set):
            set.state.pruning = markers
            return .set(set)
        case var .flag(flag):
            flag.state.pruning = markers
            return .flag(flag)
        case var .map(map):
            map.state.pruning = markers
            return .map(map)
        }
    }
}
