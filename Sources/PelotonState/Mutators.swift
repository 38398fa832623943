import PelotonCrypto

/// Delta mutators on dot stores under a context: each returns the delta of one write (what
/// changed, with the dots it replaces in its context). The replica then merges the delta into
/// its own state and ships the same delta to the other owners.
///
/// They are written once here for a store and its context, so a top-level OR-Set and a set
/// inside an OR-Map share the same code.
extension DotSet {
    /// Sets the flag: a new dot that replaces every dot this replica has seen.
    static func enable(in store: DotSet, context: CausalContext, by replica: NodeID) -> Causal<DotSet> {
        let dot = context.nextDot(for: replica)
        return Causal(store: DotSet([dot]), context: CausalContext(dots: store.members.union([dot])))
    }

    /// Clears the flag: removes the dots seen, so a concurrent enable (a dot not seen) wins.
    static func disable(in store: DotSet) -> Causal<DotSet> {
        Causal(store: .empty, context: CausalContext(dots: store.members))
    }
}

extension DotFun where Value == String {
    /// Writes a value that replaces every value this replica has seen.
    static func assign(_ value: String, in store: DotFun, context: CausalContext, by replica: NodeID) -> Causal<DotFun> {
        let dot = context.nextDot(for: replica)
        return Causal(store: DotFun([dot: value]), context: CausalContext(dots: store.dots.union([dot])))
    }
}

extension DotFun where Value == Int64 {
    /// A causal counter: each replica keeps one entry holding its running total, and an
    /// increment replaces that entry with a new dot. Removing the counter removes the entries
    /// seen; increments made concurrently survive.
    static func add(_ amount: Int64, in store: DotFun, context: CausalContext, by replica: NodeID) -> Causal<DotFun> {
        let own = store.entries.filter { $0.key.replica == replica }
        let total = own.values.reduce(Int64(0)) { $0.addingClamped($1) }.addingClamped(amount)
        let dot = context.nextDot(for: replica)
        return Causal(store: DotFun([dot: total]), context: CausalContext(dots: Set(own.keys).union([dot])))
    }

    var total: Int64 { entries.values.reduce(Int64(0)) { $0.addingClamped($1) } }
}

extension DotMap where Key == String, Value == DotSet {
    /// Adds `element` with a new dot; the dots it had before are replaced, not kept.
    static func add(_ element: String, in store: DotMap, context: CausalContext, by replica: NodeID) -> Causal<DotMap> {
        let dot = context.nextDot(for: replica)
        let seen = store.entries[element]?.members ?? []
        return Causal(store: DotMap([element: DotSet([dot])]), context: CausalContext(dots: seen.union([dot])))
    }

    /// Removes the adds of `element` seen here; an add this replica has not seen survives.
    static func remove(_ element: String, in store: DotMap) -> Causal<DotMap> {
        Causal(store: .empty, context: CausalContext(dots: store.entries[element]?.members ?? []))
    }
}

extension Int64 {
    func addingClamped(_ other: Int64) -> Int64 {
        let (sum, overflow) = addingReportingOverflow(other)
        guard overflow else { return sum }
        return other > 0 ? .max : .min
    }
}

extension UInt64 {
    func addingClamped(_ other: UInt64) -> UInt64 {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? .max : sum
    }
}
